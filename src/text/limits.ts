import { MAX_PAGE_CHARS_SENT } from '../protocol/limits';

/**
 * Most characters of page text the content script sends (cut at a block), a PDF's included. Models read far
 * less anyway; this bounds the message and the work on huge pages (endless feeds, single-page books, PDFs of
 * hundreds of pages). The protocol checks it.
 */
export const MAX_PAGE_CHARS = MAX_PAGE_CHARS_SENT;

/**
 * A shorter Readability result counts as "found nothing" and the visible text is used: on app-like pages
 * Readability tends to pick one small box (a toolbar, a card) and drop the rest.
 */
export const MIN_READABLE_CHARS = 250;

/** Most characters of text around a selection (itself included, centred), so the model can ground it. */
export const MAX_SELECTION_CONTEXT_CHARS = 2_000;

/** Most characters of title, byline and site name, kept short: they may come from unseen `<meta>` tags. */
export const MAX_META_CHARS = 300;

/**
 * Most parts a page is summarized in (a pass each, plus one to combine): each costs seconds of prefill on one
 * CPU thread, so beyond this the summary covers the page's start and says how much.
 */
export const MAX_SUMMARY_PARTS = 6;

/**
 * Pages up to this many tokens are summarized in one pass (first words after ~9 s on one WASM thread at
 * ~11 ms a token); longer ones are read in parts, so that the first points come sooner.
 */
export const SINGLE_PASS_MAX_TOKENS = 768;

/** The first part of a long page: small, so its points show within seconds (~4 s on one WASM thread). */
export const FIRST_SUMMARY_PART_TOKENS = 320;

/** Most conversations kept (least recently updated evicted first), so the history list stays scannable. */
export const MAX_CONVERSATIONS = 200;

/**
 * Chat history cap as JSON length of the conversations (~bytes), least recently updated evicted first:
 * answers quote pages, so a few long chats could otherwise fill the extension's storage quota.
 */
export const MAX_HISTORY_BYTES = 20_000_000;

/** Passages of the page retrieved for each chat question. */
export const CHAT_PASSAGES = 4;

/**
 * Passages a follow-up may add that its conversation does not hold yet: the earlier questions' passages are
 * already read, and each new one costs ~2 s of reading on one WASM thread before the first word.
 */
export const FOLLOWUP_NEW_PASSAGES = 1;

/** Most tokens of one chat answer; the prompt budget leaves room for it. */
export const CHAT_ANSWER_TOKENS = 320;

/**
 * Target passage size for chat retrieval, a paragraph or two (150-200 English tokens): several fit the prompt
 * beside the conversation, and each is about one thing yet carries its own context.
 */
export const PASSAGE_CHARS = 700;

/** Pages whose vectors IndexedDB keeps (LRU); a page is at most ~200 KB of vectors (~130 x 384 floats). */
export const MAX_INDEXED_PAGES = 20;

/**
 * Most passages of a page embedded (~90,000 characters): at ~0.2 s a passage on one WASM thread, the first
 * question on a huge page waits ~25 s at most. Later passages are still found lexically.
 */
export const MAX_EMBEDDED_PASSAGES = 128;
