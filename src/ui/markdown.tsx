import { effect, type ReadonlySignal } from '@preact/signals';
import DOMPurify, { type Config, type DOMPurify as Purifier } from 'dompurify';
import { Marked } from 'marked';
import type { HTMLAttributes } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

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
const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html: ({ text, block }) => (block ? `<p>${escapeHtml(text.trim())}</p>\n` : escapeHtml(text)),
    image: ({ text }) => escapeHtml(text),
  },
});

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
 * Renders untrusted Markdown (model output) to sanitized HTML: raw HTML is escaped, only a small set of
 * text-formatting tags survives, and links open in a new tab and may only point to http(s) or mailto.
 */
export function renderMarkdown(text: string): string {
  return sanitizeHtml(marked.parse(text, { async: false })).trim();
}

/**
 * Keeps only the allow-listed formatting tags and safe links of an HTML string. `renderMarkdown` already
 * escapes raw HTML; this is the second wall, should a Markdown construct ever produce something unexpected.
 */
export function sanitizeHtml(html: string): string {
  return getPurifier().sanitize(html, { ...PURIFY_CONFIG, RETURN_TRUSTED_TYPE: false }) as string;
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
};

/**
 * Shows Markdown as sanitized HTML. While text streams in, only this element's content changes, at most
 * once per animation frame, however fast the tokens arrive.
 */
export function Markdown({ text, onRender, ...rest }: MarkdownProps) {
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

  useEffect(() => {
    const schedule = (value: string) => {
      latest.current = value;
      if (frame.current !== null) return;
      frame.current = requestFrame(() => {
        frame.current = null;
        const element = ref.current;
        if (!element) return;
        element.innerHTML = renderMarkdown(latest.current);
        onRenderRef.current?.(element);
      });
    };
    if (typeof text !== 'string') return effect(() => schedule(text.value));
    schedule(text);
    return undefined;
  }, [text]);

  return <div {...rest} ref={ref} />;
}
