import { effect, type ReadonlySignal } from '@preact/signals';
import DOMPurify, { type Config, type DOMPurify as Purifier } from 'dompurify';
import { Marked, type Token } from 'marked';
import type { HTMLAttributes } from 'preact';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import { linkKey } from '../page-url';

const ALLOWED_TAGS = [
  'p',
  'ul',
  'ol',
  'li',
  'strong',
  'em',
  'del',
  'code',
  'pre',
  'blockquote',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'a',
  'br',
  'hr',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
];

const PURIFY_CONFIG: Config = {
  ALLOWED_TAGS,
  ALLOWED_ATTR: ['href', 'title', 'start', 'align'],
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
};

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

// Model output is untrusted: raw HTML in it is shown as text, never parsed, and images (which would
// fetch from the network and break the "nothing leaves your computer" promise) render as their alt text.
// Reference-style link definitions stay text too: a link's URL is then always written where it is used,
// and a definition further down can never change a block already drawn.
const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html: ({ text, block }) => (block ? `<p>${escapeHtml(text.trim())}</p>\n` : escapeHtml(text)),
    image: ({ text }) => escapeHtml(text),
  },
  tokenizer: { def: () => undefined },
});

/** Splits Markdown into top-level blocks (what `marked.lexer` does); injectable to count the work. */
export type MarkdownLexer = (markdown: string) => Token[];

const lexMarkdown: MarkdownLexer = (markdown) => marked.lexer(markdown);

let purifier: Purifier | undefined;

// A private instance, so the link hook cannot leak into other code that uses DOMPurify; created on first
// use because DOMPurify needs a window.
function getPurifier(): Purifier {
  if (purifier) return purifier;
  const instance = DOMPurify(window);
  instance.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName === 'A' && node instanceof window.Element && node.hasAttribute('href')) {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer');
    }
  });
  purifier = instance;
  return instance;
}

/**
 * The links an answer may make clickable: those of the page it is about, as {@link linkKey} compares them.
 * A page can be made to ask the model for a link that carries what it read in its query string; such a link
 * is never on the page, so it shows as text.
 */
export type PageLinks = ReadonlySet<string>;

/** Makes a set of page links from the URLs the worker hands over with a summary or a conversation. */
export function pageLinks(urls: readonly string[] | undefined): PageLinks {
  const keys = new Set<string>();
  for (const url of urls ?? []) {
    const key = linkKey(url);
    if (key) keys.add(key);
  }
  return keys;
}

const NO_LINKS: PageLinks = new Set();

/**
 * Renders untrusted Markdown (model output) to sanitized HTML: raw HTML is escaped, only a small set of
 * text-formatting tags survives, and a link is clickable (in a new tab) only when it is one of `links`;
 * any other shows as its text with its URL beside it.
 */
export function renderMarkdown(text: string, links: PageLinks = NO_LINKS): string {
  return sanitizeHtml(marked.parse(text, { async: false }), links).trim();
}

/**
 * Keeps only the allow-listed formatting tags and the links of an HTML string that are in `links` (others
 * become text, URL shown). `renderMarkdown` already escapes raw HTML; this is the second wall, should a
 * Markdown construct ever produce something unexpected.
 */
export function sanitizeHtml(html: string, links: PageLinks = NO_LINKS): string {
  const fragment = sanitizedFragment(html, links);
  const holder = fragment.ownerDocument.createElement('div');
  holder.append(fragment);
  return holder.innerHTML;
}

/** What {@link renderMarkdown} shows, as a DOM fragment (for export, which writes it back as Markdown). */
export function renderMarkdownFragment(text: string, links: PageLinks = NO_LINKS): DocumentFragment {
  return sanitizedFragment(marked.parse(text, { async: false }), links);
}

function sanitizedFragment(html: string, links: PageLinks): DocumentFragment {
  const fragment = getPurifier().sanitize(html, { ...PURIFY_CONFIG, RETURN_DOM_FRAGMENT: true });
  for (const anchor of Array.from(fragment.querySelectorAll('a'))) {
    const href = anchor.getAttribute('href');
    if (href === null) continue;
    const key = linkKey(href);
    if (key !== null && links.has(key)) continue;
    const label = (anchor.textContent ?? '').trim();
    // The reader sees where it would have gone; a bare URL is already its own label.
    if (label !== href && (key === null || linkKey(label) !== key)) anchor.append(` (${href})`);
    anchor.replaceWith(...Array.from(anchor.childNodes));
  }
  return fragment;
}

/**
 * Renders a growing Markdown text (an answer as it streams) for the same result as {@link renderMarkdown}
 * at a cost that grows with its length, not its square: top-level blocks followed by another are complete
 * (appending cannot change them), so each is parsed and sanitized once; only the last is parsed again.
 */
export function createMarkdownRenderer(links: PageLinks = NO_LINKS, lex: MarkdownLexer = lexMarkdown) {
  let doneSource = '';
  let doneHtml = '';
  return (markdown: string): string => {
    // As marked reads it, so raw lengths add up.
    const text = markdown.replace(/\r\n?/g, '\n');
    if (!text.startsWith(doneSource)) {
      doneSource = '';
      doneHtml = '';
    }
    const tail = text.slice(doneSource.length);
    const tokens = lex(tail);
    const last = tokens.findLastIndex((token) => token.type !== 'space');
    let open = tokens;
    if (last > 0) {
      // A list or an indented code block is not done while it is the last block before the open one:
      // what follows a blank line may still join it (a second list makes one loose list with it).
      let end = last;
      let before = end - 1;
      while (before >= 0 && tokens[before]?.type === 'space') before--;
      if (before >= 0 && canContinue(tokens[before] as Token)) end = before;
      const complete = tokens.slice(0, end);
      const raw = complete.map((token) => token.raw).join('');
      if (tail.startsWith(raw)) {
        doneHtml += blocksHtml(complete, links);
        doneSource += raw;
        open = tokens.slice(end);
      }
    }
    return (doneHtml + blocksHtml(open, links)).trim();
  };
}

/** A block that text after a blank line can still become part of. */
function canContinue(token: Token): boolean {
  return token.type === 'list' || (token.type === 'code' && token.codeBlockStyle === 'indented');
}

function blocksHtml(tokens: Token[], links: PageLinks): string {
  return tokens.length === 0 ? '' : sanitizeHtml(marked.parser(tokens), links);
}

const requestFrame = (callback: () => void): number =>
  typeof requestAnimationFrame === 'function'
    ? requestAnimationFrame(callback)
    : (setTimeout(callback, 16) as unknown as number);

const cancelFrame = (id: number): void =>
  typeof cancelAnimationFrame === 'function' ? cancelAnimationFrame(id) : clearTimeout(id);

/** Props of {@link Markdown}; other attributes (class, data-testid, aria-*) go to its element. */
export type MarkdownProps = Omit<HTMLAttributes<HTMLDivElement>, 'children' | 'dangerouslySetInnerHTML'> & {
  /** The Markdown source; pass a signal to stream without re-rendering any component. */
  text: string | ReadonlySignal<string>;
  /** Called after each update of the element's content (for example to keep a scroller pinned). */
  onRender?: (element: HTMLDivElement) => void;
  /** The page's links (URLs), the only ones that stay clickable; none when absent. */
  links?: readonly string[] | undefined;
};

/**
 * Shows Markdown as sanitized HTML. While text streams in, only this element's content changes, at most
 * once per animation frame, however fast the tokens arrive, and only the last block is parsed again.
 */
export function Markdown({ text, onRender, links, ...rest }: MarkdownProps) {
  const ref = useRef<HTMLDivElement>(null);
  const latest = useRef('');
  const frame = useRef<number | null>(null);
  const onRenderRef = useRef(onRender);
  onRenderRef.current = onRender;

  useEffect(
    () => () => {
      if (frame.current !== null) cancelFrame(frame.current);
      frame.current = null;
    },
    [],
  );

  // By content: a conversation saved again hands over an equal list in a new array.
  const linksKey = JSON.stringify(links ?? []);
  const allowed = useMemo(() => pageLinks(JSON.parse(linksKey) as string[]), [linksKey]);

  useEffect(() => {
    const render = createMarkdownRenderer(allowed);
    const schedule = (value: string) => {
      latest.current = value;
      if (frame.current !== null) return;
      frame.current = requestFrame(() => {
        frame.current = null;
        const element = ref.current;
        if (!element) return;
        element.innerHTML = render(latest.current);
        onRenderRef.current?.(element);
      });
    };
    if (typeof text !== 'string') return effect(() => schedule(text.value));
    schedule(text);
    return undefined;
  }, [text, allowed]);

  return <div {...rest} ref={ref} />;
}
