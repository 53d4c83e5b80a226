import type { SelectionContent } from '../protocol';
import { MAX_SELECTION_CHARS } from '../protocol/limits';
import { blocksToText, collapse, cutAtWord, ELEMENT_NODE, isBlockTag } from './blocks';
import { MAX_PAGE_CHARS, MAX_SELECTION_CONTEXT_CHARS } from './limits';
import { removeHidden } from './visibility';

/**
 * The user's selection in `win` and the text around it, or null. A selection in a focused `<textarea>` or
 * text `<input>` counts too (people ask about their own drafts); password fields never do.
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
  let to = Math.min(text.length, from + Math.min(max - 2, length + room));
  from = Math.max(0, Math.min(from, to - (max - 2)));
  // Text without spaces (Chinese, Japanese) is cut right here: never between the halves of a surrogate pair.
  if (isLowSurrogate(text, from)) from++;
  if (isLowSurrogate(text, to)) to--;
  let slice = text.slice(from, to);
  if (from > 0) slice = slice.replace(/^\S*\s+/, '');
  if (to < text.length) slice = slice.replace(/\s+\S*$/, '');
  return `${from > 0 ? '…' : ''}${slice.trim()}${to < text.length ? '…' : ''}`;
}

function isLowSurrogate(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff;
}
