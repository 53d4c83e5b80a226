/**
 * Most characters of page text the content script hands over. Far more than any small model can read in one
 * go (the caller chunks or truncates by tokens), but it bounds the message size and the work spent on huge
 * pages such as endless feeds or single-page books. Text is cut at a block boundary.
 */
export const MAX_PAGE_CHARS = 400_000;

/**
 * Readability results shorter than this many characters are treated as "found nothing" and the page's
 * visible text is used instead: on app-like pages Readability tends to pick one small box (a toolbar, a
 * card) and drop the rest.
 */
export const MIN_READABLE_CHARS = 250;

/** Most characters of selected text kept; a "select all" on a long page is cut here (at a word boundary). */
export const MAX_SELECTION_CHARS = 100_000;

/**
 * Most characters of surrounding text sent with a selection so the model can ground it (which paragraph,
 * which section). The selection itself counts towards this, and the window is centred on it.
 */
export const MAX_SELECTION_CONTEXT_CHARS = 2_000;

/**
 * Most characters kept of the title, byline and site name. These can come from `<meta>` tags the user never
 * sees, so they are kept short rather than trusted as a second channel into the prompt.
 */
export const MAX_META_CHARS = 300;

/**
 * Most parts a long page is read in when summarizing (one model pass each, plus one to combine them). On one
 * CPU thread each part costs several seconds of prefill, so beyond this the summary covers the page's start
 * and says how much of it.
 */
export const MAX_SUMMARY_PARTS = 6;

/**
 * Most conversations kept in the chat history. Saving one more evicts the least recently updated, so the
 * history list stays short enough to scan and the database cannot grow without bound.
 */
export const MAX_CONVERSATIONS = 200;

/**
 * Approximate size cap of the chat history, measured as the JSON length of the stored conversations (about
 * bytes for most text). Answers quote pages, so a few very long chats could otherwise fill the extension's
 * storage quota; the least recently updated conversations are evicted first.
 */
export const MAX_HISTORY_BYTES = 20_000_000;

/** Passages of the page retrieved for each chat question. */
export const CHAT_PASSAGES = 4;

/** Most tokens of one chat answer; the prompt budget leaves room for it. */
export const CHAT_ANSWER_TOKENS = 320;

/**
 * Target size in characters of the passages a page is cut into for chat retrieval: about a paragraph or two
 * (150-200 tokens of English), small enough that several fit the prompt beside the conversation and that
 * a passage is about one thing, large enough to carry its own context.
 */
export const PASSAGE_CHARS = 700;

/**
 * Pages whose passage vectors are kept in IndexedDB; the least recently used is dropped first. At ~130
 * passages x 384 floats a page is at most ~200 KB of vectors plus its text.
 */
export const MAX_INDEXED_PAGES = 20;

/**
 * Most passages of one page embedded for semantic search (about 90,000 characters). Embedding costs about
 * 0.2 s a passage on one WASM thread, so this bounds the first question on a huge page to roughly 25 s;
 * passages past it are still found by the lexical ranking.
 */
export const MAX_EMBEDDED_PASSAGES = 128;

/** Most characters of a chat question the worker accepts. */
export const MAX_QUESTION_CHARS = 20_000;

/** Most characters of a passage sent back to the page to be highlighted. */
export const MAX_PASSAGE_TEXT_CHARS = 20_000;
