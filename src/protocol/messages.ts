import * as v from 'valibot';
import {
  ConnectServerSchema,
  ImportedModelSchema,
  type LocalServer,
  type Settings,
  SettingsChangeSchema,
  SUMMARY_LENGTHS,
  type SummaryLength,
} from '../model';
import {
  MAX_PAGE_CHARS_SENT,
  MAX_PASSAGE_TEXT_CHARS,
  MAX_PDF_PASSWORD_CHARS,
  MAX_QUESTION_CHARS,
  MAX_SELECTION_CHARS,
} from './limits';
import {
  ASK_PRESETS,
  type ChatView,
  type Conversation,
  type ConversationSummary,
  type DownloadProgress,
  type EngineInfo,
  type EngineTiers,
  type ModelList,
  type ModelStatus,
  PageContentSchema,
  PdfPagesReadSchema,
  type PendingAsk,
  SelectionContentSchema,
  type Source,
  type SummaryResult,
  type TabReadability,
  type TabSummary,
} from './payloads';

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

// ---- Requests: one message, one answer ---------------------------------------------------------------

const PageNumber = v.pipe(v.number(), v.integer(), v.minValue(1));
/** A PDF's password, typed for one request and never stored. */
const Password = v.nullable(v.pipe(v.string(), v.maxLength(MAX_PDF_PASSWORD_CHARS)));
const ConversationId = v.pipe(v.string(), v.minLength(1), v.maxLength(100));
const PassageText = v.pipe(v.string(), v.maxLength(MAX_PASSAGE_TEXT_CHARS));
/** A stored model file's key: its hub (or `imported/…`) URL. */
const StoredFileUrl = v.pipe(v.string(), v.minLength(1), v.maxLength(2_000));
const Hex = v.pipe(v.string(), v.regex(/^[0-9a-f]{40,64}$/i));
/** What a stored file must be (`FileExpectation` in engine/files/model-file-store.ts). */
const FileExpectationSchema = v.object({
  size: v.pipe(v.number(), v.integer(), v.minValue(0)),
  sha256: v.optional(Hex),
  gitSha1: v.optional(Hex),
});

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
  /**
   * Scrolls the tab's page to a passage and highlights it; a PDF's passage (with its `page`) opens that page
   * of the PDF instead (`#page=N`).
   */
  showSource: v.object({ tabId: TabId, text: PassageText, page: v.optional(PageNumber) }),
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
  /** Connect under Local server: the first request to that server, from the user's click. */
  connectServer: ConnectServerSchema,
  chooseServerModel: v.object({ model: v.pipe(v.string(), v.minLength(1), v.maxLength(200)) }),
  disconnectServer: v.object({}),
  /**
   * The offscreen host's record of files hashed in this browser session, kept by the worker: the host has
   * no `storage.session` (an offscreen document sees only `chrome.runtime`).
   */
  isFileChecked: v.object({ url: StoredFileUrl, expected: FileExpectationSchema }),
  markFileChecked: v.object({ url: StoredFileUrl, expected: FileExpectationSchema }),
  forgetCheckedFiles: v.object({ urls: v.pipe(v.array(StoredFileUrl), v.maxLength(1_000)) }),
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
  connectServer: LocalServer;
  chooseServerModel: LocalServer;
  disconnectServer: undefined;
  isFileChecked: boolean;
  markFileChecked: undefined;
  forgetCheckedFiles: undefined;
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

/**
 * Requests from the worker to the PDF reader (`content/pdf.ts`), which the worker injects into PDF tabs only.
 * `readPdfPages` opens the tab's PDF on its first call (with the password, if any) and keeps it open in
 * the tab for the next ones.
 */
export const pdfRequests = {
  readPdfPages: v.object({
    password: Password,
    from: PageNumber,
    maxChars: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_PAGE_CHARS_SENT)),
    maxPages: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)),
  }),
};
export const pdfAnswers = {
  readPdfPages: PdfPagesReadSchema,
};
export type PdfAnswers = { [K in keyof typeof pdfAnswers]: v.InferOutput<(typeof pdfAnswers)[K]> };

const CMapName = v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]{1,64}$/));

/**
 * Requests from the PDF reader in a tab to the worker: the packaged cMaps (never web-accessible), and, in a
 * `file://` tab, where the tab cannot fetch its own file, the file's bytes. The worker reads only the file the
 * asking tab shows.
 */
export const pdfReaderRequests = {
  getCMap: v.object({ name: CMapName }),
  readPdfFile: v.object({ offset: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
};
export interface PdfReaderAnswers {
  /** The packed cMap, base64. */
  getCMap: string;
  /** A chunk of the file from `offset`, base64, and the file's size. */
  readPdfFile: { data: string; size: number };
}

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
  /** A PDF's pages read so far, of all its pages (reading stops early at the character budget). */
  | { type: 'pdfProgress'; done: number; total: number }
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
  summarize: v.object({
    tabId: TabId,
    length: v.picklist(SUMMARY_LENGTHS),
    password: v.optional(Password),
  }),
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
    password: v.optional(Password),
  }),
};
/** What the side panel sends to start an answer. */
export type ChatRequest = v.InferOutput<typeof streamRequests.chat>;

export interface StreamResults {
  summarize: SummaryResult;
  /** The conversation with the new answer saved in it. */
  chat: Conversation;
}
