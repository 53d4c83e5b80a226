/** Conversations are kept per page: the URL without its #fragment, which only moves within the page. */
export function conversationUrl(url: string): string {
  const hash = url.indexOf('#');
  return hash < 0 ? url : url.slice(0, hash);
}

/** Whether two addresses show the same page, as far as a conversation is concerned. */
export function samePage(a: string, b: string): boolean {
  return conversationUrl(a) === conversationUrl(b);
}
