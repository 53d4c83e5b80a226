/**
 * The tab an extension page acts on when it names one in its URL (`?tab=<tabId>`), as the side panel and a
 * popup opened in a tab for testing do; null when absent or not a valid tab id.
 */
export function readTabParam(search: string): number | null {
  const value = new URLSearchParams(search).get('tab');
  if (value === null || !/^\d+$/.test(value)) return null;
  const id = Number(value);
  return Number.isSafeInteger(id) ? id : null;
}
