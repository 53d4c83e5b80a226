import { Readability } from '@mozilla/readability';
import {
  MAX_META_CHARS,
  MAX_PAGE_CHARS,
  MAX_SELECTION_CHARS,
  MAX_SELECTION_CONTEXT_CHARS,
  MIN_READABLE_CHARS,
} from './limits';

/** The readable text of a page and what is known about it. */
export interface PageContent {
  url: string;
  title: string;
  byline: string | null;
  /** From `<html lang>`, as written by the page (e.g. `en-GB`). */
  lang: string | null;
  siteName: string | null;
  /**
   * Block-structured text: blocks separated by one blank line (`\n\n`), never a blank line inside a block;
   * headings as `## Heading` (one `#` per level), list items as `- item`, table rows as `a | b | c`;
   * whitespace collapsed inside blocks (a `<br>` or a `<pre>` line break stays a single `\n`).
   */
  text: string;
  /** `readability` when Readability found the main content, `visible-text` for the whole visible page. */
  source: 'readability' | 'visible-text';
  /** Whether `text` was cut (at a block boundary) to `MAX_PAGE_CHARS`. */
  truncated: boolean;
}

/** What the user selected, with the text around it. */
export interface SelectionContent {
  /** The selection, whitespace-normalized (paragraph breaks kept as `\n\n`), at most `MAX_SELECTION_CHARS`. */
  text: string;
  /**
   * The enclosing block(s) in the same format as `PageContent.text`, centred on the selection, at most
   * `MAX_SELECTION_CONTEXT_CHARS`; `…` marks where it was cut. Contains the selection itself.
   */
  context: string;
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;

/**
 * Set on the clone for elements whose tag is inline but which the page lays out as blocks (a card made of
 * `<span>`s in a flex column): without it their words would run together.
 */
const BLOCK_MARK = 'data-pagewise-block';

/** Never page text: code, styles, embedded documents, drawings, and form widgets that show something else. */
const DROPPED_TAGS = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'iframe',
  'frame',
  'object',
  'embed',
  'canvas',
  'svg',
  'select',
  'datalist',
  'textarea',
  'input',
]);

const BLOCK_TAGS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'body',
  'caption',
  'center',
  'dd',
  'details',
  'dialog',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'header',
  'hgroup',
  'hr',
  'html',
  'legend',
  'li',
  'main',
  'menu',
  'nav',
  'ol',
  'p',
  'pre',
  'search',
  'section',
  'summary',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'ul',
]);

const HEADING = /^h([1-6])$/;

/**
 * Reads the main content of `doc` for the model, without changing it. Runs Readability on a clone from which
 * everything hidden on the live page has been removed; falls back to the page's visible text when Readability
 * finds less than `MIN_READABLE_CHARS`.
 */
export function extractPage(doc: Document): PageContent {
  const clean = visibleClone(doc);
  const article = parseArticle(clean);
  let result = article ? blocksToText(article.content, MAX_PAGE_CHARS) : { text: '', truncated: false };
  let source: PageContent['source'] = 'readability';
  if (result.text.length < MIN_READABLE_CHARS) {
    // A short Readability result is one box of the page; the visible text has it and its neighbours.
    const visible = clean.body ? visibleText(clean.body) : { text: '', truncated: false };
    if (visible.text || !article) {
      result = visible;
      source = 'visible-text';
    }
  }
  return {
    url: doc.URL,
    title: meta(article?.title) ?? meta(doc.title) ?? '',
    byline: meta(article?.byline),
    lang: meta(doc.documentElement?.getAttribute('lang')),
    siteName:
      meta(article?.siteName) ??
      meta(doc.querySelector('meta[property="og:site_name"]')?.getAttribute('content')),
    text: result.text,
    source,
    truncated: result.truncated,
  };
}

/**
 * The user's selection in `win` and the text around it, or null when nothing is selected. A selection inside
 * a focused `<textarea>` or text `<input>` counts too (people do select their own drafts to ask about them);
 * password fields never do.
 */
export function extractSelection(win: Window): SelectionContent | null {
  const field = selectionInField(win.document);
  if (field) return field;
  const selection = win.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const text = cutAtWord(normalizeSelection(selection.toString()), MAX_SELECTION_CHARS);
  if (!text) return null;
  const block = contextElement(selection.getRangeAt(0));
  if (!block) return { text, context: text };
  const clone = block.cloneNode(true) as Element;
  removeHidden(block, clone);
  // The enclosing blocks are small by construction, so this cap only guards against a giant single block.
  const { text: around } = blocksToText(clone, MAX_PAGE_CHARS);
  return { text, context: windowAround(around, text) };
}

const TEXT_FIELD_TYPES = new Set(['text', 'search', 'url', 'email', 'tel']);

/** The selection in the focused text field, if any. */
function selectionInField(doc: Document): SelectionContent | null {
  const el = doc.activeElement;
  if (!el) return null;
  const name = el.localName;
  const isField =
    name === 'textarea' || (name === 'input' && TEXT_FIELD_TYPES.has((el as HTMLInputElement).type));
  if (!isField) return null;
  const field = el as HTMLInputElement | HTMLTextAreaElement;
  const { selectionStart: start, selectionEnd: end, value } = field;
  if (start === null || end === null || start === end) return null;
  const text = cutAtWord(normalizeSelection(value.slice(start, end)), MAX_SELECTION_CHARS);
  if (!text) return null;
  return { text, context: windowAround(normalizeSelection(value), text) };
}

/** Keeps paragraph breaks (`\n\n`) and line breaks (`\n`); collapses every other run of whitespace. */
function normalizeSelection(raw: string): string {
  return raw
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.split('\n').map(collapse).filter(Boolean).join('\n'))
    .filter(Boolean)
    .join('\n\n');
}

/**
 * The largest ancestor block of the range whose raw text still fits the context budget, so that a selected
 * phrase comes with its paragraph, and a short paragraph with its neighbours.
 */
function contextElement(range: Range): Element | null {
  const start = range.commonAncestorContainer;
  let el = start.nodeType === ELEMENT_NODE ? (start as Element) : start.parentElement;
  while (el && !isBlockTag(el)) el = el.parentElement;
  if (!el) return null;
  const root = el.ownerDocument.documentElement;
  for (let parent = el.parentElement; parent && parent !== root; parent = parent.parentElement) {
    if ((parent.textContent ?? '').length > MAX_SELECTION_CONTEXT_CHARS) break;
    el = parent;
  }
  return el;
}

/** Cuts `text` to `MAX_SELECTION_CONTEXT_CHARS` around the first place `needle` appears (else its start). */
function windowAround(text: string, needle: string): string {
  const max = MAX_SELECTION_CONTEXT_CHARS;
  if (text.length <= max) return text;
  let start = text.indexOf(needle);
  let length = needle.length;
  if (start < 0) {
    // Across blocks the selection's line breaks differ from ours: find where its first line is instead.
    const firstLine = needle.split('\n', 1)[0] ?? '';
    start = Math.max(0, text.indexOf(firstLine));
    length = firstLine.length;
  }
  // Two characters stay free for the `…` markers.
  const room = Math.max(0, max - 2 - length);
  let from = Math.max(0, start - Math.floor(room / 2));
  const to = Math.min(text.length, from + Math.min(max - 2, length + room));
  from = Math.max(0, Math.min(from, to - (max - 2)));
  let slice = text.slice(from, to);
  if (from > 0) slice = slice.replace(/^\S*\s+/, '');
  if (to < text.length) slice = slice.replace(/\s+\S*$/, '');
  return `${from > 0 ? '…' : ''}${slice.trim()}${to < text.length ? '…' : ''}`;
}

function meta(value: string | null | undefined): string | null {
  const text = collapse(value ?? '');
  return text ? cutAtWord(text, MAX_META_CHARS) : null;
}

interface Article {
  content: Element;
  title: string | null;
  byline: string | null;
  siteName: string | null;
}

function parseArticle(doc: Document): Article | null {
  // Readability rewrites the document it reads, and the fallback still needs this one intact.
  const copy = doc.cloneNode(true) as Document;
  let article: ReturnType<Readability<Element>['parse']>;
  try {
    // Handing back the content element itself saves serializing it to HTML and parsing that again.
    article = new Readability<Element>(copy, { serializer: (node) => node as Element }).parse();
  } catch {
    return null;
  }
  if (!article?.content) return null;
  return {
    content: article.content,
    title: article.title ?? null,
    byline: article.byline ?? null,
    siteName: article.siteName ?? null,
  };
}

/**
 * A copy of `doc` without what the live page hides. Hidden text is where pages (or attackers) put prompt
 * injections that the user never sees, so it must not reach the model. Visibility can only be read on the
 * live, laid-out page; the clone is what gets changed.
 */
function visibleClone(doc: Document): Document {
  const clone = doc.cloneNode(true) as Document;
  // The head is never rendered (so it would read as hidden) and holds the metadata Readability needs.
  if (doc.body && clone.body) removeHidden(doc.body, clone.body);
  return clone;
}

type Visibility = 'shown' | 'hidden' | 'invisible' | 'block';

/**
 * Removes from `copy` (a deep clone of `live`) every element hidden in `live`, and the own text of elements
 * that are laid out but invisible. Walks both trees in step: a clone has the same tree order.
 */
function removeHidden(live: Element, copy: Element): void {
  const view = live.ownerDocument.defaultView;
  const hidden: Element[] = [];
  const invisible: Element[] = [];
  const pending: [Element, Element][] = [[live, copy]];
  for (let pair = pending.pop(); pair; pair = pending.pop()) {
    let a = pair[0].firstElementChild;
    let b = pair[1].firstElementChild;
    for (; a && b; a = a.nextElementSibling, b = b.nextElementSibling) {
      if (DROPPED_TAGS.has(a.localName)) continue;
      const visibility = visibilityOf(a, view);
      if (visibility === 'hidden') {
        hidden.push(b);
        continue;
      }
      if (visibility === 'invisible') invisible.push(b);
      else if (visibility === 'block') b.setAttribute(BLOCK_MARK, '');
      pending.push([a, b]);
    }
  }
  for (const el of hidden) el.remove();
  // `visibility` is inherited but a child may set it back to `visible`, so only the element's own text goes.
  for (const el of invisible) {
    for (const node of Array.from(el.childNodes)) if (node.nodeType === TEXT_NODE) node.remove();
  }
}

/**
 * How `el` shows on the live page. `checkVisibility()` (where the browser has it) also sees what computed
 * style alone misses, such as `content-visibility: hidden` and closed `<details>`. `visibility` is read from
 * computed style rather than with `checkVisibility({ visibilityProperty: true })`: it is inherited and a
 * child may set it back to `visible`, so it hides an element's own text, not its subtree (and browsers
 * before Chrome 121 and Firefox 122 ignore that option).
 */
function visibilityOf(el: Element, view: Window | null): Visibility {
  if (el.hasAttribute('hidden') || el.getAttribute('aria-hidden') === 'true') return 'hidden';
  const style = view?.getComputedStyle(el);
  const boxless =
    typeof el.checkVisibility === 'function' ? !el.checkVisibility() : style?.display === 'none';
  // An element with `display: contents` has no box of its own, yet its children are shown.
  if (boxless && style?.display !== 'contents') return 'hidden';
  if (!style) return 'shown';
  if (style.visibility === 'hidden' || style.visibility === 'collapse') return 'invisible';
  return !isBlockTag(el) && isBlockDisplay(style.display) ? 'block' : 'shown';
}

function isBlockDisplay(display: string): boolean {
  return display !== '' && display !== 'contents' && !display.startsWith('inline');
}

function isBlockTag(el: Element): boolean {
  return BLOCK_TAGS.has(el.localName) || HEADING.test(el.localName);
}

/** Page-level navigation and boilerplate, skipped by the visible-text fallback when anything else is left. */
function isPageChrome(el: Element): boolean {
  const name = el.localName;
  const role = el.getAttribute('role');
  if (name === 'nav' || name === 'aside' || role === 'navigation' || role === 'complementary') return true;
  if (role === 'banner' || role === 'contentinfo') return true;
  // Inside an article or section these are that part's own header and footer, which are content.
  return (name === 'header' || name === 'footer') && !el.parentElement?.closest('article, main, section');
}

function visibleText(body: Element): { text: string; truncated: boolean } {
  const withoutChrome = blocksToText(body, MAX_PAGE_CHARS, isPageChrome);
  return withoutChrome.text ? withoutChrome : blocksToText(body, MAX_PAGE_CHARS);
}

/** Collects blocks of text, each normalized, until `maxChars` would be passed. */
class BlockWriter {
  readonly blocks: string[] = [];
  truncated = false;
  /** Text of the current block, one entry per line (a `<br>` starts a new line). */
  private lines: string[] = [''];
  private prefix = '';
  private length = 0;
  private cells = 0;

  constructor(private readonly maxChars: number) {}

  text(data: string): void {
    this.lines[this.lines.length - 1] += data;
  }

  lineBreak(): void {
    this.lines.push('');
  }

  /**
   * Ends the current block and starts one that begins with `prefix` (`- `, `## `). Without a prefix, an
   * unused one stays: `<li><p>text</p></li>` is still a list item.
   */
  open(prefix = ''): void {
    this.close();
    if (prefix) this.prefix = prefix;
  }

  /** Ends the current block. Two line breaks in a row (`<br><br>`) end a paragraph inside it. */
  close(dropPrefix = false): void {
    let paragraph: string[] = [];
    for (const line of [...this.lines.map(collapse), '']) {
      if (line) {
        paragraph.push(line);
      } else if (paragraph.length > 0) {
        this.add(this.prefix + paragraph.join('\n'));
        this.prefix = '';
        paragraph = [];
      }
    }
    this.lines = [''];
    if (dropPrefix) this.prefix = '';
  }

  startRow(): void {
    this.open();
    this.cells = 0;
  }

  startCell(): void {
    if (this.cells++ > 0) this.text(' | ');
  }

  /** Adds a finished block, or marks the text truncated when it does not fit. */
  add(block: string): void {
    if (this.truncated) return;
    const separator = this.blocks.length > 0 ? 2 : 0;
    if (this.length + separator + block.length > this.maxChars) {
      // Only a first block larger than the whole budget is cut inside; otherwise it goes whole or not at all.
      if (this.blocks.length === 0) this.blocks.push(cutAtWord(block, this.maxChars));
      this.truncated = true;
      return;
    }
    this.blocks.push(block);
    this.length += separator + block.length;
  }
}

/** Marks, on the walk's stack, the point where an element's children are done. */
class Exit {
  constructor(readonly el: Element) {}
}

/** Converts a DOM subtree into block-structured text (see `PageContent.text`), skipping `skip` subtrees. */
function blocksToText(
  root: Element,
  maxChars: number,
  skip?: (el: Element) => boolean,
): { text: string; truncated: boolean } {
  const out = new BlockWriter(maxChars);
  // An explicit stack, not recursion: a page can nest elements deeper than the call stack allows.
  const steps: (Node | Exit)[] = [root];
  for (let step = steps.pop(); step && !out.truncated; step = steps.pop()) {
    if (step instanceof Exit) {
      exit(step.el, out);
    } else if (step.nodeType === TEXT_NODE) {
      out.text((step as Text).data);
    } else if (step.nodeType === ELEMENT_NODE) {
      const el = step as Element;
      if (DROPPED_TAGS.has(el.localName) || skip?.(el) || !enter(el, out)) continue;
      steps.push(new Exit(el));
      for (let child = el.lastChild; child; child = child.previousSibling) steps.push(child);
    }
  }
  out.close();
  return { text: out.blocks.join('\n\n'), truncated: out.truncated };
}

/** Handles an element's start; returns false when its children were handled too. */
function enter(el: Element, out: BlockWriter): boolean {
  const name = el.localName;
  const level = HEADING.exec(name)?.[1];
  if (level) out.open(`${'#'.repeat(Number(level))} `);
  else if (name === 'li') out.open('- ');
  else if (name === 'tr') out.startRow();
  else if (name === 'td' || name === 'th') out.startCell();
  else if (name === 'br') out.lineBreak();
  else if (name === 'pre') {
    out.close();
    const code = preText(el);
    if (code) out.add(code);
    return false;
  } else if (BLOCK_TAGS.has(name) || el.hasAttribute(BLOCK_MARK)) out.open();
  return true;
}

function exit(el: Element, out: BlockWriter): void {
  const name = el.localName;
  // Cells share their row's block; everything else block-like ends its block.
  if (name === 'td' || name === 'th') return;
  // An empty item or heading must not hand its prefix to the text after it.
  if (name === 'li' || HEADING.test(name)) out.close(true);
  else if (BLOCK_TAGS.has(name) || el.hasAttribute(BLOCK_MARK)) out.close();
}

/** Preformatted text keeps its line breaks and indentation; blank lines go, so it stays one block. */
function preText(pre: Element): string {
  let raw = '';
  const steps: Node[] = [pre];
  for (let node = steps.pop(); node; node = steps.pop()) {
    if (node.nodeType === TEXT_NODE) raw += (node as Text).data;
    else if (node.nodeType === ELEMENT_NODE) {
      const el = node as Element;
      if (el.localName === 'br') raw += '\n';
      else if (!DROPPED_TAGS.has(el.localName)) {
        for (let child = el.lastChild; child; child = child.previousSibling) steps.push(child);
      }
    }
  }
  return raw
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/\s+$/, '').replace(/\u00a0/g, ' '))
    .filter((line) => line.trim())
    .join('\n');
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Cuts `text` to at most `max` characters at a word boundary when there is one in the second half. */
function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const space = text.slice(0, max + 1).search(/\s\S*$/);
  if (space > max / 2) return text.slice(0, space).trimEnd();
  // Never leave half of a surrogate pair at the end.
  const end = /[\ud800-\udbff]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return text.slice(0, end);
}
