import * as v from 'valibot';
import type { Availability, EnginePreference, SummaryLength, TierId, TierReport } from '../model';
import { MAX_LINK_CHARS, MAX_PAGE_CHARS_SENT, MAX_PAGE_LINKS, MAX_PDF_PAGES } from './limits';

// The data the messages and streams of messages.ts carry: what the content script reads, what the engine
// reports, the chats, and what each page asks to show. Schemas where a message from a less trusted context
// carries it (the content script's answers), types where only the worker sends it.

/** Where a page of a PDF starts in its text (`PageContent.text`): a character offset, pages 1-based. */
export const PdfPageStartSchema = v.object({
  page: v.pipe(v.number(), v.integer(), v.minValue(1)),
  start: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
export type PdfPageStart = v.InferOutput<typeof PdfPageStartSchema>;

/** The page a character of a PDF's text is on (the last page that starts at or before it); null before any. */
export function pageAt(pageStarts: readonly PdfPageStart[], offset: number): number | null {
  let found: number | null = null;
  for (const { page, start } of pageStarts) {
    if (start > offset) break;
    found = page;
  }
  return found;
}

/** Consecutive pages of a PDF's text, as the PDF reader in the tab sends them. */
export const PdfPagesReadSchema = v.object({
  pageCount: v.pipe(v.number(), v.integer(), v.minValue(0)),
  pages: v.pipe(
    v.array(
      v.object({
        page: v.pipe(v.number(), v.integer(), v.minValue(1)),
        text: v.pipe(v.string(), v.maxLength(MAX_PAGE_CHARS_SENT)),
      }),
    ),
    v.maxLength(100),
  ),
  next: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1))),
});
export type PdfPagesRead = v.InferOutput<typeof PdfPagesReadSchema>;

/** What the content script reads from a page. */
export const PageContentSchema = v.object({
  url: v.string(),
  title: v.string(),
  byline: v.nullable(v.string()),
  /** From `<html lang>`, as the page wrote it (e.g. `en-GB`). */
  lang: v.nullable(v.string()),
  siteName: v.nullable(v.string()),
  /**
   * Blocks separated by one blank line, none inside a block: headings as `## Heading`, list items as
   * `- item`, table rows as `a | b | c`; whitespace collapsed, a `<br>` or `<pre>` line break kept as `\n`.
   */
  text: v.string(),
  /**
   * `readability` when Readability found the main content, `visible-text` for the whole visible page, `pdf`
   * for a PDF's text layer (see `pages`).
   */
  source: v.picklist(['readability', 'visible-text', 'pdf']),
  /** Whether `text` was cut, at a block boundary, to `MAX_PAGE_CHARS`. */
  truncated: v.boolean(),
  /**
   * Whether the article seems to be inside a frame: the main page has almost no text and a frame fills much
   * of the window. Only the main page is read, and the user is told so.
   */
  framed: v.optional(v.boolean()),
  /**
   * The links of what was read (its anchors' targets and the URLs in its text), fragment dropped: the only
   * links an answer about the page may make clickable. Absent from a content script of an older version.
   */
  links: v.optional(
    v.pipe(v.array(v.pipe(v.string(), v.maxLength(MAX_LINK_CHARS))), v.maxLength(MAX_PAGE_LINKS)),
  ),
  /** A PDF's pages: where each starts in `text`, in order (pages without text are left out). */
  pages: v.optional(v.pipe(v.array(PdfPageStartSchema), v.maxLength(MAX_PDF_PAGES))),
});
export type PageContent = v.InferOutput<typeof PageContentSchema>;

/** What the user selected, with the text around it. */
export const SelectionContentSchema = v.object({
  /** Whitespace-normalized (paragraph breaks kept as `\n\n`), at most `MAX_SELECTION_CHARS`. */
  text: v.string(),
  /**
   * The enclosing blocks, in the format of `PageContent.text`, centred on the selection and containing it,
   * at most `MAX_SELECTION_CONTEXT_CHARS`; `…` marks a cut.
   */
  context: v.string(),
});
export type SelectionContent = v.InferOutput<typeof SelectionContentSchema>;

/** Download progress of the model files, per file and in total (bytes). */
export interface DownloadProgress {
  files: { name: string; loaded: number; total: number }[];
  loaded: number;
  total: number;
  /** Download speed over the last few seconds; absent while loading from disk. */
  bytesPerSecond?: number;
  /** Estimated from that speed; null while it is not known yet. */
  secondsLeft?: number | null;
  /** Set while the model loads again after the engine unloaded it when idle: the idle minutes. */
  reloadAfterIdleMinutes?: number;
}

export interface ModelStatus {
  /** The registry id of the model (see `ModelSpec.id`). */
  modelId: string;
  modelName: string;
  availability: Availability;
  /** Approximate download size of the model in bytes, to tell the user before the first use. */
  downloadBytes: number;
  /** The engine that runs (or, before the first use, will run) the model. */
  engine: EngineInfo;
}

/** Which engine runs a request, named for the user. */
export interface EngineInfo {
  tier: TierId;
  /** e.g. "WebGPU", "WASM". */
  name: string;
  modelName: string;
  /** Set when a better tier failed on this computer and this one took over. */
  fellBackFrom?: { tier: TierId; name: string; reason: string };
}

/** Every engine tier on this computer, for Settings. */
export interface EngineTiers {
  reports: TierReport[];
  preference: EnginePreference;
  /** The tier requests run on now: the preference when it can run, else the automatic choice. */
  chosen: TierId;
}

export interface SummaryResult {
  url: string;
  title: string;
  length: SummaryLength;
  text: string;
  /** How many parts the page was split into (1 when it fit the model at once). */
  parts: number;
  /** Share of the page's text the summary covers (below 1 when a huge page was cut). */
  coverage: number;
  /** How fast the summary was written, for the curious (and the closing notes of tests). */
  tokensPerSecond: number;
  /** The engine that wrote it, as named for the user ("WebGPU"). */
  engine: string;
  createdAt: number;
  /** The page's links (`PageContent.links`): the only ones the summary may make clickable. */
  links?: string[];
}

/** Preset actions on a selection, offered as context-menu items that start at once. */
export const ASK_PRESETS = ['explain', 'summarize', 'define', 'translate'] as const;
export type AskPreset = (typeof ASK_PRESETS)[number];

/** A passage of the page that an answer drew on. */
export interface Source {
  /** Position of the passage in the page (0-based), stable for one page version. */
  index: number;
  /** The passage's text, as it appears on the page (plain text, shown as text, never as HTML). */
  text: string;
  /** The heading of the section the passage is in, if any. */
  heading: string | null;
  /** A PDF's passage: the page it starts on (1-based). */
  page?: number;
}

export interface StoredMessage {
  id: string;
  role: 'user' | 'assistant';
  /** User: the question. Assistant: the answer's Markdown (rendered sanitized). */
  content: string;
  createdAt: number;
  /** User messages asked about a selection carry it (plain text). */
  selection?: string | null;
  /** Assistant messages list the passages they used. */
  sources?: Source[];
  /**
   * Assistant messages: `complete`; `stopped` when the user pressed Stop; `interrupted` when the worker
   * went away mid-answer (the text saved so far is kept).
   */
  status?: 'complete' | 'stopped' | 'interrupted';
}

/** One chat about one page, saved in IndexedDB. */
export interface Conversation {
  id: string;
  url: string;
  title: string;
  createdAt: number;
  updatedAt: number;
  messages: StoredMessage[];
  /** The page's links as last read (`PageContent.links`): the only ones its answers may make clickable. */
  links?: string[];
}

export interface ConversationSummary {
  id: string;
  url: string;
  title: string;
  updatedAt: number;
  messageCount: number;
  /** The first question, shortened, to recognise the chat in a list. */
  preview: string;
}

/** A right-click request waiting for the side panel to pick it up (kept in session storage). */
export interface PendingAsk {
  tabId: number;
  selection: string;
  /** A preset starts answering at once; null only fills in the selection and focuses the question box. */
  preset: AskPreset | null;
  createdAt: number;
}

/** Storage keys that more than one context reads (the side panel watches for a new pending ask). */
export const protocolKeys = {
  pendingAsk: (tabId: number) => `pendingAsk:${tabId}`,
};

/** What the side panel needs to show a tab. */
export interface ChatView {
  page: { url: string; title: string } | null;
  /** Why the tab's page can't be chatted about (a browser page, a PDF...), or null. */
  unreadable: string | null;
  /** The latest conversation about this page, if any. */
  conversation: Conversation | null;
  /** True while an answer for this tab is being written: the panel attaches to it. */
  answering: boolean;
}

/** What the popup needs to show a tab. */
export interface TabSummary {
  /** The last summary of the page the tab shows, if any. */
  summary: SummaryResult | null;
  /** True while a summary of the tab is being written: the popup attaches to it. */
  running: boolean;
}

/** Whether the worker can read a tab's page. */
export interface TabReadability {
  /** Why it can't (a browser page, a PDF, a file without file access...), saying what to do; or null. */
  unreadable: string | null;
}

/** One model as Settings lists it. */
export interface ModelRow {
  id: string;
  name: string;
  /** Download size (or, imported, the folder's size), in bytes. */
  downloadBytes: number;
  languages: string;
  license: string;
  contextSize: number;
  tiers: TierId[];
  imported: boolean;
  /** Packaged with the extension (test builds): nothing to download or delete. */
  bundled: boolean;
  /** `available`: stored and verified; `downloading`: the engine is fetching it now. */
  state: 'available' | 'downloadable' | 'downloading';
  /** Bytes its files take in the extension's storage now (a partial download counts). */
  storedBytes: number;
  /** The tiers on which it is the model used (picked, or the tier's default). */
  activeOn: TierId[];
}

/** The models Settings shows. */
export interface ModelList {
  models: ModelRow[];
  /**
   * Imported entries in the settings that could not be read: not offered, kept as stored, named here; one
   * with an `id` can be deleted by it.
   */
  unreadable: { label: string; reason: string; id: string | null }[];
}
