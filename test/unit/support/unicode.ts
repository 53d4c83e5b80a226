/** Whether `text` holds half of a surrogate pair on its own (`String#isWellFormed` is ES2024, past our lib). */
export function hasLoneSurrogate(text: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}
