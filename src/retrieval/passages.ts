import { splitIntoChunks } from '../text/chunk';
import { PASSAGE_CHARS } from '../text/limits';

/** A piece of a page's text that retrieval ranks and the chat prompt quotes. */
export interface Passage {
  /** Position in the page (0-based), stable for one version of the page's text. */
  index: number;
  /** A trimmed substring of the page's structured text: headings keep their `#` markers. */
  text: string;
  /** The heading of the section the passage starts in (without `#`), or null before the first heading. */
  heading: string | null;
  /** Set on retrieved passages: 0 for the most relevant. */
  rank?: number;
}

const BLOCK_SEPARATOR = /\n[^\S\n]*\n\s*/g;
const HEADING_BLOCK = /^#{1,6} +(\S[^\n]*)$/;
const HEADING_MARKER = /^[^\S\n]*#{1,6} +/gm;

/**
 * Cuts structured page text (as `extractPage` writes it) into passages of at most `maxChars` characters by
 * the rules of `splitIntoChunks`; together they hold all of the text's words, in order.
 */
export function splitIntoPassages(text: string, maxChars = PASSAGE_CHARS): Passage[] {
  const headings = headingsOf(text);
  const passages: Passage[] = [];
  let cursor = 0;
  let h = -1;
  for (const chunk of splitIntoChunks(text, maxChars, (s) => s.length)) {
    // Chunks are trimmed substrings in order with only whitespace between them, so the first match at or
    // after the previous end is the chunk's own position.
    const start = text.indexOf(chunk, cursor);
    cursor = start + chunk.length;
    while (h + 1 < headings.length && (headings[h + 1] as Heading).start <= start) h++;
    passages.push({
      index: passages.length,
      text: chunk,
      heading: h >= 0 ? (headings[h] as Heading).title : null,
    });
  }
  return passages;
}

interface Heading {
  start: number;
  title: string;
}

function headingsOf(text: string): Heading[] {
  const headings: Heading[] = [];
  const visit = (from: number, to: number) => {
    const raw = text.slice(from, to);
    const match = HEADING_BLOCK.exec(raw.trim());
    if (match)
      headings.push({
        start: from + raw.length - raw.trimStart().length,
        title: (match[1] as string).trim(),
      });
  };
  let start = 0;
  for (const separator of text.matchAll(BLOCK_SEPARATOR)) {
    visit(start, separator.index);
    start = separator.index + separator[0].length;
  }
  visit(start, text.length);
  return headings;
}

/** The passage as readers see it on the page: heading lines without their `#` markers. */
export function plainText(text: string): string {
  return text.replace(HEADING_MARKER, '');
}

/**
 * What ranking reads for a passage: its plain text, preceded by its section heading when the passage does
 * not start with it, so a question that names the section finds every passage in it.
 */
export function searchableText(passage: Passage): string {
  const plain = plainText(passage.text);
  return passage.heading && !plain.startsWith(passage.heading) ? `${passage.heading}\n${plain}` : plain;
}

/**
 * A selection and a passage are compared on this many characters at each end of the selection, so that a
 * selection running over several passages still marks the ones it starts and ends in.
 */
const SELECTION_EDGE_CHARS = 40;

/**
 * Indices of the passages that hold all of `selection`, or its first or last {@link SELECTION_EDGE_CHARS}
 * characters, or lie wholly inside it. Case and whitespace are ignored: a selection read from the DOM breaks
 * lines differently than the extracted text.
 */
export function passagesContaining(passages: readonly Passage[], selection: string): Set<number> {
  const wanted = normalizeForMatch(selection);
  const found = new Set<number>();
  if (!wanted) return found;
  const edges =
    wanted.length > SELECTION_EDGE_CHARS
      ? [wanted.slice(0, SELECTION_EDGE_CHARS), wanted.slice(-SELECTION_EDGE_CHARS)]
      : [wanted];
  for (const passage of passages) {
    const text = normalizeForMatch(plainText(passage.text));
    if (!text) continue;
    if (wanted.includes(text) || edges.some((edge) => text.includes(edge))) found.add(passage.index);
  }
  return found;
}

function normalizeForMatch(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
}
