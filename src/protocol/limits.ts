// The sizes a message may carry: the protocol's schemas check them, and the pages and the content script cut
// to them before sending.

/** Most characters of selected text kept; a "select all" on a long page is cut here (at a word boundary). */
export const MAX_SELECTION_CHARS = 100_000;

/** Most characters of a chat question the worker accepts. */
export const MAX_QUESTION_CHARS = 20_000;

/** Most characters of a passage sent back to the page to be highlighted. */
export const MAX_PASSAGE_TEXT_CHARS = 20_000;
