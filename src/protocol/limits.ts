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

/** Most pages of a PDF whose positions ride along with its text (`PageContent.pages`). */
export const MAX_PDF_PAGES = 20_000;

/** Largest PDF read (bytes): the whole file sits in the tab's memory while pdf.js parses it. */
export const MAX_PDF_BYTES = 200_000_000;

/** Bytes of a `file://` PDF the worker hands the tab in one message (base64 makes it a third larger). */
export const PDF_FILE_CHUNK_BYTES = 16_000_000;

/** Longest PDF password accepted. */
export const MAX_PDF_PASSWORD_CHARS = 1_000;

/** Most characters of a page's text in one message (`MAX_PAGE_CHARS` in text/limits.ts is this). */
export const MAX_PAGE_CHARS_SENT = 400_000;

/**
 * How long the engine keeps a model loaded with no request (ms): then it unloads it to free its memory (about
 * four times the model file's size, issue 19), and the next request loads it again and says why. As long as
 * the offscreen host's own idle close.
 */
export const IDLE_UNLOAD_MS = 5 * 60_000;
