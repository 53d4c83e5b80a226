import * as v from 'valibot';
import type { Availability, EnginePreference, TierId, TierReport } from '../model';
import {
  ImportedModelSchema,
  type Settings,
  SettingsChangeSchema,
  SUMMARY_LENGTHS,
  type SummaryLength,
} from '../settings-schema';
import {
  MAX_LINK_CHARS,
  MAX_PAGE_LINKS,
  MAX_PASSAGE_TEXT_CHARS,
  MAX_QUESTION_CHARS,
  MAX_SELECTION_CHARS,
} from './limits';

/*
 * Every message between the extension's contexts, declared once: its name, the schema its payload is
 * checked against on arrival, and the type of its answer. The transports (requests.ts, streams.ts) are typed
 * by these maps, so a wrong name or payload is a compile error.
 */

/** Names the protocol's version in every envelope and port name: other messages are not ours. */
export const PROTOCOL = 'pagewise/1';

// Settings own the lengths (a setting is one); the protocol names them for every page.
export { SUMMARY_LENGTHS, type SummaryLength };

const TabId = v.pipe(v.number(), v.integer(), v.minValue(0));

// ---- Data shapes -------------------------------------------------------------------------------------

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
  /** `readability` when Readability found the main content, `visible-text` for the whole visible page. */
  source: v.picklist(['readability', 'visible-text']),
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
});
export type PageContent = v.InferOutput<typeof PageContentSchema>;

/** What the user selected, with the text around it. */
const SelectionContentSchema = v.object({
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

// ---- Requests: one message, one answer ---------------------------------------------------------------

const ConversationId = v.pipe(v.string(), v.minLength(1), v.maxLength(100));
const PassageText = v.pipe(v.string(), v.maxLength(MAX_PASSAGE_TEXT_CHARS));

/** Requests from the extension's pages (popup, side panel) to the worker. */
export const workerRequests = {
  getTabSummary: v.object({ tabId: TabId }),
  getTabReadability: v.object({ tabId: TabId }),
  getModelStatus: v.object({}),
  /** Probes the machine again (a GPU may have appeared) and reports every tier. */
  getEngineTiers: v.object({}),
  getChat: v.object({ tabId: TabId }),
  listChats: v.object({}),
  openChat: v.object({ id: ConversationId }),
  deleteChat: v.object({ id: ConversationId }),
  clearChats: v.object({}),
  takePendingAsk: v.object({ tabId: TabId }),
  /** Scrolls the tab's page to a passage and highlights it. */
  showSource: v.object({ tabId: TabId, text: PassageText }),
  /** Removes the passage's highlight from the tab's page (it also goes by itself). */
  hideSource: v.object({ tabId: TabId }),
  /** Every model of every tier, with what is stored (Settings). */
  listModels: v.object({}),
  /** Deletes a model's stored files (and an imported model's entry). */
  deleteModel: v.object({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(100)) }),
  /** Merges a change into the settings; the worker is their one writer, so concurrent changes all survive. */
  updateSettings: SettingsChangeSchema,
  /** Lists a model whose files the settings page has just stored, in the settings as they are now. */
  addImportedModel: v.object({ spec: ImportedModelSchema }),
};
export interface WorkerAnswers {
  getTabSummary: TabSummary;
  getTabReadability: TabReadability;
  getModelStatus: ModelStatus;
  getEngineTiers: EngineTiers;
  getChat: ChatView;
  listChats: ConversationSummary[];
  openChat: Conversation | null;
  deleteChat: undefined;
  clearChats: undefined;
  takePendingAsk: PendingAsk | null;
  /** False when the passage is no longer on the page. */
  showSource: boolean;
  hideSource: undefined;
  listModels: ModelList;
  deleteModel: undefined;
  updateSettings: Settings;
  addImportedModel: Settings;
}

/** Requests from the worker to the content script in a tab. */
export const contentRequests = {
  extractPage: v.object({}),
  extractSelection: v.object({}),
  highlightText: v.object({ text: PassageText }),
  /** Removes the highlight, leaving nothing of it on the page. */
  clearHighlight: v.object({}),
};
/** Schemas for what the content script answers: the worker trusts nothing it did not check. */
export const contentAnswers = {
  extractPage: PageContentSchema,
  extractSelection: v.nullable(SelectionContentSchema),
  highlightText: v.boolean(),
  clearHighlight: v.undefined(),
};
export type ContentAnswers = {
  [K in keyof typeof contentAnswers]: v.InferOutput<(typeof contentAnswers)[K]>;
};

export type Schemas = Record<string, v.GenericSchema>;
/** The payload of request `K`, as its schema outputs it. */
export type DataOf<S extends Schemas, K extends keyof S> = v.InferOutput<S[K]>;

// ---- Streams: a port per request, for progress and tokens ----------------------------------------------

/** The request the model is busy with, as a waiting one describes it. */
export interface QueueAhead {
  kind: 'summarize' | 'chat';
  /** Whether it is for the same tab as the one waiting. */
  sameTab: boolean;
  /** A summary read in parts: the part it is at. */
  part: { index: number; count: number } | null;
}

/** Events a long request reports while it runs. */
export type StreamEvent =
  | { type: 'modelProgress'; progress: DownloadProgress }
  | { type: 'stage'; stage: 'loading' | 'reading' | 'generating'; part?: { index: number; count: number } }
  | { type: 'token'; text: string }
  /** The engine that runs the request; sent again, with `fellBackFrom`, when it failed and the next took over. */
  | { type: 'engine'; engine: EngineInfo }
  /** The request waits for the model, busy with the one described (null: with something unknown). */
  | { type: 'waiting'; ahead: QueueAhead | null }
  /** Prompt tokens read so far: a long prompt takes seconds to read before the first word. */
  | { type: 'promptProgress'; done: number; total: number }
  /** Chat: the conversation as saved when the question was accepted (user message included). */
  | { type: 'conversation'; conversation: Conversation }
  /**
   * Chat, last before a Stop's or a failure's end: the conversation as saved when the answer ended, its
   * partial answer included (`done` carries it as its result). The panel shows this, not what it streamed.
   */
  | { type: 'finalConversation'; conversation: Conversation }
  /** Chat: the passages the answer is drawing on, before it starts. */
  | { type: 'sources'; sources: Source[] };

/** Streamed requests from the extension's pages to the worker: the start payload and the final result. */
export const streamRequests = {
  summarize: v.object({ tabId: TabId, length: v.picklist(SUMMARY_LENGTHS) }),
  /**
   * Asks a question about the tab's page in a conversation (null starts a new one). `regenerate` answers
   * the conversation's last question again, replacing its answer; `question` is then ignored.
   */
  chat: v.object({
    tabId: TabId,
    conversationId: v.nullable(ConversationId),
    question: v.pipe(v.string(), v.maxLength(MAX_QUESTION_CHARS)),
    selection: v.nullable(v.pipe(v.string(), v.maxLength(MAX_SELECTION_CHARS))),
    preset: v.nullable(v.picklist(ASK_PRESETS)),
    regenerate: v.boolean(),
  }),
};
/** What the side panel sends to start an answer. */
export type ChatRequest = v.InferOutput<typeof streamRequests.chat>;

export interface StreamResults {
  summarize: SummaryResult;
  /** The conversation with the new answer saved in it. */
  chat: Conversation;
}
