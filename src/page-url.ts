/** Conversations are kept per page: the URL without its #fragment, which only moves within the page. */
export function conversationUrl(url: string): string {
  const hash = url.indexOf('#');
  return hash < 0 ? url : url.slice(0, hash);
}

/** Whether two addresses show the same page, as far as a conversation is concerned. */
export function samePage(a: string, b: string): boolean {
  return conversationUrl(a) === conversationUrl(b);
}

/** The kinds of link an answer may offer, when the page has them. */
const LINK_PROTOCOLS = new Set(['https:', 'http:', 'mailto:']);

/**
 * How a link is compared with the page's links: parsed, without its #fragment; null for what is not an
 * absolute http(s) or mailto URL (a link in an answer is clickable only when its key is one of the page's).
 */
export function linkKey(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (!LINK_PROTOCOLS.has(parsed.protocol)) return null;
  parsed.hash = '';
  return parsed.href;
}
