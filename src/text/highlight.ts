/*
 * Shows where an answer came from: finds a passage in the live page, scrolls to it and highlights it without
 * changing the DOM (CSS Custom Highlight API, else the selection). The highlight's registry entry and its
 * style sheet are shared with the page's scripts, which can see them while it is shown: it is cleared after
 * a while, on the next click on the page, or when asked, and then nothing of it is left.
 */

const HIGHLIGHT_NAME = 'pagewise-source';
/** How long a highlight stays: long enough to find and read the passage it marks. */
export const HIGHLIGHT_MS = 15_000;
/** Characters of the passage looked for: enough to be unique on a page, short enough to survive markup. */
const PROBE_CHARS = 160;
const SKIPPED = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'TEXTAREA']);

interface TextMap {
  /** The page's text with whitespace runs collapsed to one space. */
  text: string;
  /** For each character of `text`, the text node and offset it came from. */
  nodes: Text[];
  offsets: number[];
}

function mapText(doc: Document): TextMap {
  const map: TextMap = { text: '', nodes: [], offsets: [] };
  // The document's own NodeFilter: this code only uses the document and window it is handed.
  const filter = (doc.defaultView as (Window & typeof globalThis) | null)?.NodeFilter ?? NodeFilter;
  const walker = doc.createTreeWalker(doc.body, filter.SHOW_TEXT, {
    acceptNode: (node) =>
      node.parentElement && SKIPPED.has(node.parentElement.tagName)
        ? filter.FILTER_REJECT
        : filter.FILTER_ACCEPT,
  });
  let lastWasSpace = true;
  for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
    const value = node.data;
    for (let i = 0; i < value.length; i++) {
      const space = /\s/.test(value[i] as string);
      if (space && lastWasSpace) continue;
      map.text += space ? ' ' : value[i];
      map.nodes.push(node);
      map.offsets.push(i);
      lastWasSpace = space;
    }
    // Block boundaries between text nodes read as a space, as they do on screen.
    if (!lastWasSpace) {
      map.text += ' ';
      map.nodes.push(node);
      map.offsets.push(value.length);
      lastWasSpace = true;
    }
  }
  return map;
}

/** A block of the extractor's text as it reads on the page: Markdown markers removed, spaces collapsed. */
function asOnPage(block: string): string {
  return block
    .replace(/^#{1,6}\s+/gm, '')
    .replace(/^- /gm, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** Where `probe` (or, failing that, its first sentence-sized piece) starts in `haystack` from `from`. */
function find(haystack: string, probe: string, from: number): { start: number; length: number } | null {
  for (const candidate of [probe, probe.slice(0, 60)]) {
    if (!candidate || (candidate.length < 8 && candidate !== probe)) continue;
    const start = haystack.indexOf(candidate, from);
    if (start >= 0) return { start, length: candidate.length };
  }
  return null;
}

/**
 * Finds `passage` on the page, scrolls it into view and highlights it, from its first block to its last;
 * false when it isn't there.
 */
export function highlightText(doc: Document, passage: string): boolean {
  const blocks = passage
    .split(/\n\s*\n/)
    .map(asOnPage)
    .filter(Boolean);
  const first = blocks[0];
  if (!first || !doc.body) return false;
  const map = mapText(doc);
  const haystack = map.text.toLowerCase();
  const head = find(haystack, first.slice(0, PROBE_CHARS), 0);
  if (!head) return false;
  let end = head.start + head.length;
  // Extend to the end of the last block when it follows close by (the passage as a whole, not just its
  // heading); a last block that was reformatted on the page leaves the highlight on the first.
  const last = blocks.at(-1) as string;
  if (blocks.length > 1) {
    const tail = last.slice(-PROBE_CHARS);
    const found = haystack.indexOf(tail, end);
    if (found >= 0 && found - head.start <= passage.length * 2) end = found + tail.length;
  }

  const range = doc.createRange();
  range.setStart(map.nodes[head.start] as Text, map.offsets[head.start] as number);
  const lastChar = end - 1;
  range.setEnd(map.nodes[lastChar] as Text, (map.offsets[lastChar] as number) + 1);
  show(doc, range);
  return true;
}

/** What a shown highlight added to a page, so that clearing it takes exactly that away. */
interface Shown {
  sheet: CSSStyleSheet | null;
  timer: ReturnType<typeof setTimeout>;
  onPointerDown: () => void;
}

/** Kept here, not on the document: an expando there would be one more trace. */
const shown = new WeakMap<Document, Shown>();

function show(doc: Document, range: Range): void {
  clearHighlight(doc);
  const view = doc.defaultView as (Window & typeof globalThis) | null;
  const highlights = view?.CSS?.highlights;
  if (view && highlights && typeof view.Highlight === 'function') {
    highlights.set(HIGHLIGHT_NAME, new view.Highlight(range));
    const sheet = addHighlightStyle(doc, view);
    const onPointerDown = () => clearHighlight(doc);
    doc.addEventListener('pointerdown', onPointerDown, { capture: true, once: true });
    shown.set(doc, { sheet, timer: setTimeout(onPointerDown, HIGHLIGHT_MS), onPointerDown });
  } else {
    const selection = view?.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
  }
  const element = range.startContainer.parentElement;
  // The reader's "reduce motion" setting holds on the page too.
  const still = view?.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
  element?.scrollIntoView?.({ block: 'center', behavior: still ? 'auto' : 'smooth' });
}

/**
 * Removes the highlight shown on `doc`, if any: its `CSS.highlights` entry and its adopted style sheet,
 * leaving the page's own sheets as they are. A selection made as a fallback is the user's to change.
 */
export function clearHighlight(doc: Document): void {
  const current = shown.get(doc);
  if (!current) return;
  shown.delete(doc);
  clearTimeout(current.timer);
  doc.removeEventListener('pointerdown', current.onPointerDown, { capture: true });
  doc.defaultView?.CSS?.highlights?.delete(HIGHLIGHT_NAME);
  if (current.sheet) doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((s) => s !== current.sheet);
}

/** Adds the highlight's colours as an adopted style sheet: no element is added to the page. */
function addHighlightStyle(doc: Document, view: Window & typeof globalThis): CSSStyleSheet | null {
  if (typeof view.CSSStyleSheet !== 'function') return null;
  const sheet = new view.CSSStyleSheet();
  sheet.replaceSync(`::highlight(${HIGHLIGHT_NAME}) { background-color: #fde68a; color: #111827; }`);
  doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
  return sheet;
}
