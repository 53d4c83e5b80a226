import { collapse, cutAtCodePoint } from './blocks';

/**
 * The tags that fence untrusted text in every prompt: page text (summaries, parts, the overview, chat
 * passages) and the user's selection. System prompts name them; nothing else may write them.
 */
export const FENCE_TAGS = ['page', 'selection'] as const;

export type FenceTag = (typeof FENCE_TAGS)[number];

/** What models read as `<`: the ASCII bracket and its compatibility forms (full-width, small). */
// A lookahead, so that a bracket inside the text read after another (`<<page>`) is checked too.
const BRACKET = /[<\uFF1C\uFE64](?=([\s/\uFF0F]*)(.{0,12}))/gsu;

/**
 * After a bracket, what makes it a fence tag once compatibility forms and case are folded (`＜／ＰＡＧＥ＞`
 * reads as `</page>`): an optional `/`, the tag's name, and no more letters of a longer name.
 */
const TAG_AFTER_BRACKET = new RegExp(`^\\s*\\/?\\s*(?:${FENCE_TAGS.join('|')})(?![\\w-])`);

/** Stands in for a defused tag's `<`: the text still reads the same to a person. */
const DEFUSED_BRACKET = '‹';

/**
 * `text` with the opening bracket of every fence tag replaced, however the tag is spaced, cased or written
 * (`</ Page >`, `<selection x>`, full-width forms), so untrusted text cannot close its fence early and
 * write outside it. Only brackets are replaced, one for one, so no new tag can form and nothing else changes.
 */
export function defuse(text: string): string {
  return text.replace(BRACKET, (bracket, space: string, rest: string) =>
    TAG_AFTER_BRACKET.test(`${space}${rest}`.normalize('NFKC').toLowerCase()) ? DEFUSED_BRACKET : bracket,
  );
}

/** `text`, defused, between `<tag>` and `</tag>` on lines of their own. */
export function fence(tag: FenceTag, text: string): string {
  return `<${tag}>\n${defuse(text)}\n</${tag}>`;
}

/**
 * Untrusted metadata (a title, a heading, an address) for one line of a prompt: whitespace collapsed so it
 * adds no lines of "instructions", cut to `maxChars` without splitting a character, and defused.
 */
export function promptField(text: string, maxChars: number): string {
  return defuse(cutAtCodePoint(collapse(text), maxChars));
}
