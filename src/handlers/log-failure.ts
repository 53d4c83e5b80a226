/**
 * A `catch` for work a listener starts and nobody awaits: the failure is logged with what was being done,
 * instead of surfacing as an unhandled rejection with no context.
 */
export function logFailure(doing: string): (error: unknown) => void {
  return (error) => console.error(`Pagewise: ${doing} failed.`, error);
}
