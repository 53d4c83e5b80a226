// Page text as blocks (see `PageContent.text`): the serializer that page, selection and fallback all share.

export const ELEMENT_NODE = 1;
export const TEXT_NODE = 3;

/**
 * Set on the clone for elements whose tag is inline but which the page lays out as blocks (a card made of
 * `<span>`s in a flex column): without it their words would run together.
 */
export const BLOCK_MARK = 'data-pagewise-block';

/** Never page text: code, styles, embedded documents, drawings, and form widgets that show something else. */
export const DROPPED_TAGS = new Set([
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

export function isBlockTag(el: Element): boolean {
  return BLOCK_TAGS.has(el.localName) || HEADING.test(el.localName);
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
export function blocksToText(
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

export function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Cuts `text` to at most `max` characters at a word boundary when there is one in the second half. */
export function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const space = text.slice(0, max + 1).search(/\s\S*$/);
  if (space > max / 2) return text.slice(0, space).trimEnd();
  return cutAtCodePoint(text, max);
}

/** The first `maxChars` UTF-16 units of `text` or fewer, never ending on half of a surrogate pair. */
export function cutAtCodePoint(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const end = Math.max(0, Math.floor(maxChars));
  const code = text.charCodeAt(end - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? end - 1 : end);
}
