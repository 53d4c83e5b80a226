import { linkKey } from '../page-url';
import { MAX_LINK_CHARS, MAX_PAGE_LINKS } from '../protocol/limits';

/** A URL written in text, up to the first space or character a URL cannot hold unescaped. */
const URL_IN_TEXT = /\b(?:https?:\/\/|mailto:)[^\s<>"'`]+/gi;

/** What usually ends a sentence or a parenthesis right after a URL, rather than belonging to it. */
const TRAILING_PUNCTUATION = /[.,;:!?)\]}»”’]+$/u;

/**
 * The links of what was read, as {@link linkKey} writes them: the targets of the anchors under `root`
 * (resolved against `baseUrl`) and the URLs written in `text`, first seen first, at most `MAX_PAGE_LINKS`
 * of at most `MAX_LINK_CHARS` each. An answer about the page may make only these clickable.
 */
export function readLinks(root: Element | null, text: string, baseUrl: string): string[] {
  const links = new Set<string>();
  const add = (url: string) => {
    const key = linkKey(url);
    if (key && key.length <= MAX_LINK_CHARS && links.size < MAX_PAGE_LINKS) links.add(key);
  };
  for (const anchor of Array.from(root?.querySelectorAll('a[href]') ?? [])) {
    try {
      add(new URL(anchor.getAttribute('href') ?? '', baseUrl).href);
    } catch {
      // Not a URL: nothing a link in an answer could match.
    }
  }
  for (const [written] of text.matchAll(URL_IN_TEXT)) {
    add(written);
    // "See https://example.org/a." means the URL without its full stop; either may be what the model repeats.
    add(written.replace(TRAILING_PUNCTUATION, ''));
  }
  return [...links];
}
