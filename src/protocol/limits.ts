// The sizes a message may carry: the protocol's schemas check them, and the pages and the content script cut
// to them before sending.

/** Most characters of selected text kept; a "select all" on a long page is cut here (at a word boundary). */
export const MAX_SELECTION_CHARS = 100_000;

/** Most characters of a chat question the worker accepts. */
export const MAX_QUESTION_CHARS = 20_000;

/** Most characters of a passage sent back to the page to be highlighted. */
export const MAX_PASSAGE_TEXT_CHARS = 20_000;

/**
 * Most links of a page sent with its text: an answer may make only these clickable. Enough for an article's
 * references and a site's navigation; an endless feed's later links show as text.
 */
export const MAX_PAGE_LINKS = 300;

/**
 * Longest link kept (characters): longer ones are mostly tracking parameters, and show as text. With
 * `MAX_PAGE_LINKS`, at most ~300 KB ride along with a summary in session storage (10 MB for all tabs).
 */
export const MAX_LINK_CHARS = 1_000;
