import type { ErrorObject } from 'serialize-error';
import * as v from 'valibot';
import browser, { type Runtime } from 'webextension-polyfill';
import { AppError, asAppError, cancelled, fromErrorData, isCancellation, toErrorData } from './errors';

/*
 * The one typed protocol between the extension's contexts. Every message name, payload schema and answer
 * type is declared here; senders and receivers use the helpers below, so a wrong name or payload is a
 * compile error and a malformed one is rejected at run time.
 */

export const SUMMARY_LENGTHS = ['brief', 'standard', 'detailed'] as const;
export type SummaryLength = (typeof SUMMARY_LENGTHS)[number];

const TabId = v.pipe(v.number(), v.integer(), v.minValue(0));

// ---- Data shapes -------------------------------------------------------------------------------------

export const PageContentSchema = v.object({
  url: v.string(),
  title: v.string(),
  byline: v.nullable(v.string()),
  lang: v.nullable(v.string()),
  siteName: v.nullable(v.string()),
  text: v.string(),
  source: v.picklist(['readability', 'visible-text']),
  truncated: v.boolean(),
});
/** What the content script reads from a page. */
export type PageContent = v.InferOutput<typeof PageContentSchema>;

const SelectionContentSchema = v.nullable(v.object({ text: v.string(), context: v.string() }));
export type SelectionContent = v.InferOutput<typeof SelectionContentSchema>;

/** Download progress of the model files, per file and in total (bytes). */
export interface DownloadProgress {
  files: { name: string; loaded: number; total: number }[];
  loaded: number;
  total: number;
}

export type Availability = 'unavailable' | 'downloadable' | 'downloading' | 'available';

export interface ModelStatus {
  modelName: string;
  availability: Availability;
  /** Approximate download size of the model in bytes, to tell the user before the first use. */
  downloadBytes: number;
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
  createdAt: number;
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
}

// ---- Requests: one message, one answer ---------------------------------------------------------------

/** Requests from the extension's pages (popup, side panel) to the worker. */
const ConversationId = v.pipe(v.string(), v.minLength(1), v.maxLength(100));

export const workerRequests = {
  getTabSummary: v.object({ tabId: TabId }),
  getModelStatus: v.object({}),
  getChat: v.object({ tabId: TabId }),
  listChats: v.object({}),
  openChat: v.object({ id: ConversationId }),
  deleteChat: v.object({ id: ConversationId }),
  clearChats: v.object({}),
  takePendingAsk: v.object({ tabId: TabId }),
  /** Scrolls the tab's page to a passage and highlights it. */
  showSource: v.object({ tabId: TabId, text: v.pipe(v.string(), v.maxLength(20_000)) }),
};
export interface WorkerAnswers {
  getTabSummary: SummaryResult | null;
  getModelStatus: ModelStatus;
  getChat: ChatView;
  listChats: ConversationSummary[];
  openChat: Conversation | null;
  deleteChat: undefined;
  clearChats: undefined;
  takePendingAsk: PendingAsk | null;
  /** False when the passage is no longer on the page. */
  showSource: boolean;
}

/** Requests from the worker to the content script in a tab. */
export const contentRequests = {
  extractPage: v.object({}),
  extractSelection: v.object({}),
  highlightText: v.object({ text: v.pipe(v.string(), v.maxLength(20_000)) }),
};
/** Schemas for what the content script answers: the worker trusts nothing it did not check. */
const contentAnswers = {
  extractPage: PageContentSchema,
  extractSelection: SelectionContentSchema,
  highlightText: v.boolean(),
};
export type ContentAnswers = {
  [K in keyof typeof contentAnswers]: v.InferOutput<(typeof contentAnswers)[K]>;
};

type Schemas = Record<string, v.GenericSchema>;
type DataOf<S extends Schemas, K extends keyof S> = v.InferOutput<S[K]>;

const PROTOCOL = 'pagewise/1';

type Envelope = { protocol: typeof PROTOCOL; name: string; data: unknown };
type Reply<T> = { ok: true; value: T } | { ok: false; error: ErrorObject };

const EnvelopeSchema = v.object({ protocol: v.literal(PROTOCOL), name: v.string(), data: v.unknown() });
const ReplySchema = v.union([
  v.object({ ok: v.literal(true), value: v.unknown() }),
  v.object({ ok: v.literal(false), error: v.record(v.string(), v.unknown()) }),
]);

function unwrap<T>(reply: unknown): T {
  const parsed = v.safeParse(ReplySchema, reply);
  if (!parsed.success)
    throw new AppError('invalid-message', 'The extension answered with a malformed message.');
  if (!parsed.output.ok) throw fromErrorData(parsed.output.error as ErrorObject);
  return parsed.output.value as T;
}

/** Sends a request to the worker and returns its answer, or throws the worker's error again here. */
export async function sendToWorker<K extends keyof WorkerAnswers>(
  name: K,
  data: DataOf<typeof workerRequests, K>,
): Promise<WorkerAnswers[K]> {
  const envelope: Envelope = { protocol: PROTOCOL, name, data };
  try {
    return unwrap<WorkerAnswers[K]>(await browser.runtime.sendMessage(envelope));
  } catch (error) {
    throw asAppError(error);
  }
}

/** Sends a request to the content script of a tab's top frame; its answer is validated before use. */
export async function sendToTab<K extends keyof ContentAnswers>(
  tabId: number,
  name: K,
  data: DataOf<typeof contentRequests, K>,
): Promise<ContentAnswers[K]> {
  const envelope: Envelope = { protocol: PROTOCOL, name, data };
  let value: unknown;
  try {
    value = unwrap(await browser.tabs.sendMessage(tabId, envelope, { frameId: 0 }));
  } catch (error) {
    throw asAppError(error);
  }
  const parsed = v.safeParse(contentAnswers[name], value);
  if (!parsed.success) throw new AppError('invalid-message', 'The page answered with a malformed message.');
  return parsed.output as ContentAnswers[K];
}

type Handlers<S extends Schemas, A extends { [K in keyof S]: unknown }> = {
  [K in keyof S]: (data: DataOf<S, K>, sender: Runtime.MessageSender) => Promise<A[K]> | A[K];
};

/**
 * Registers the handlers for one side of a request map. Messages from senders that `isAllowedSender`
 * rejects, and messages not of this protocol, are ignored (left for no one); malformed payloads of a known
 * name get an `invalid-message` error. Errors thrown by a handler travel back as data.
 */
export function onRequests<S extends Schemas, A extends { [K in keyof S]: unknown }>(
  schemas: S,
  handlers: Handlers<S, A>,
  isAllowedSender: (sender: Runtime.MessageSender) => boolean,
): () => void {
  const listener = (message: unknown, sender: Runtime.MessageSender): Promise<Reply<unknown>> | undefined => {
    const envelope = v.safeParse(EnvelopeSchema, message);
    if (!envelope.success || !Object.hasOwn(schemas, envelope.output.name)) return undefined;
    if (!isAllowedSender(sender)) return undefined;
    const name = envelope.output.name as keyof S & string;
    const schema = schemas[name] as v.GenericSchema;
    const handler = handlers[name];
    return (async (): Promise<Reply<unknown>> => {
      try {
        const data = v.safeParse(schema, envelope.output.data);
        if (!data.success) throw new AppError('invalid-message', `Malformed "${name}" request.`);
        return { ok: true, value: await handler(data.output as DataOf<S, typeof name>, sender) };
      } catch (error) {
        return { ok: false, error: toErrorData(error) };
      }
    })();
  };
  browser.runtime.onMessage.addListener(listener);
  return () => browser.runtime.onMessage.removeListener(listener);
}

// ---- Streams: a port per request, for progress and tokens ----------------------------------------------

/** Events a long request reports while it runs. */
export type StreamEvent =
  | { type: 'modelProgress'; progress: DownloadProgress }
  | { type: 'stage'; stage: 'loading' | 'reading' | 'generating'; part?: { index: number; count: number } }
  | { type: 'token'; text: string }
  /** Chat: the conversation as saved when the question was accepted (user message included). */
  | { type: 'conversation'; conversation: Conversation }
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
    question: v.pipe(v.string(), v.maxLength(20_000)),
    selection: v.nullable(v.pipe(v.string(), v.maxLength(100_000))),
    preset: v.nullable(v.picklist(ASK_PRESETS)),
    regenerate: v.boolean(),
  }),
};
export interface StreamResults {
  summarize: SummaryResult;
  /** The conversation with the new answer saved in it. */
  chat: Conversation;
}

type PortMessage =
  | { kind: 'start'; data: unknown }
  | { kind: 'stop' }
  | { kind: 'event'; event: StreamEvent }
  | { kind: 'done'; result: unknown }
  | { kind: 'error'; error: ErrorObject };

const PORT_PREFIX = `${PROTOCOL}:`;
const ClientPortMessage = v.variant('kind', [
  v.object({ kind: v.literal('start'), data: v.unknown() }),
  v.object({ kind: v.literal('stop') }),
]);

export interface StreamHandle<R> {
  /** Settles with the result, or rejects with the error (a cancellation when stopped). */
  result: Promise<R>;
  stop(): void;
}

/** Starts a streamed request. Every path settles `result`: done, error, stop, or the worker going away. */
export function openStream<K extends keyof StreamResults>(
  name: K,
  data: DataOf<typeof streamRequests, K>,
  onEvent: (event: StreamEvent) => void,
): StreamHandle<StreamResults[K]> {
  let port: Runtime.Port;
  let settled = false;
  let stopRequested = false;
  let resolve!: (value: StreamResults[K]) => void;
  let reject!: (error: unknown) => void;
  const result = new Promise<StreamResults[K]>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const settle = (outcome: () => void) => {
    if (settled) return;
    settled = true;
    outcome();
    port?.disconnect();
  };
  try {
    port = browser.runtime.connect({ name: PORT_PREFIX + name });
  } catch (error) {
    settle(() => reject(asAppError(error)));
    return { result, stop() {} };
  }
  port.onMessage.addListener((message: unknown) => {
    const m = message as PortMessage;
    if (m.kind === 'event') onEvent(m.event);
    else if (m.kind === 'done') settle(() => resolve(m.result as StreamResults[K]));
    else if (m.kind === 'error') settle(() => reject(fromErrorData(m.error)));
  });
  port.onDisconnect.addListener(() =>
    settle(() =>
      reject(
        stopRequested
          ? cancelled()
          : new AppError('worker-stopped', 'The assistant stopped before it finished. Try again.'),
      ),
    ),
  );
  port.postMessage({ kind: 'start', data } satisfies PortMessage);
  return {
    result,
    stop() {
      if (settled) return;
      stopRequested = true;
      port.postMessage({ kind: 'stop' } satisfies PortMessage);
      // The worker answers a stop with an error event; if it can't (busy in one long step), don't wait.
      setTimeout(() => settle(() => reject(cancelled())), 3000);
    },
  };
}

export interface StreamContext {
  signal: AbortSignal;
  emit(event: StreamEvent): void;
  sender: Runtime.MessageSender;
}

type StreamHandlers = {
  [K in keyof StreamResults]: (
    data: DataOf<typeof streamRequests, K>,
    context: StreamContext,
  ) => Promise<StreamResults[K]>;
};

/**
 * Serves streamed requests. A handler's signal aborts when the client says stop or goes away (popup
 * closed), so no work runs for no one.
 */
export function onStreams(
  handlers: StreamHandlers,
  isAllowedSender: (sender: Runtime.MessageSender) => boolean,
): () => void {
  const listener = (port: Runtime.Port) => {
    if (!port.name.startsWith(PORT_PREFIX)) return;
    const name = port.name.slice(PORT_PREFIX.length);
    if (!Object.hasOwn(streamRequests, name) || !port.sender || !isAllowedSender(port.sender)) {
      port.disconnect();
      return;
    }
    const key = name as keyof StreamResults;
    const controller = new AbortController();
    let connected = true;
    let started = false;
    const post = (message: PortMessage) => {
      if (connected) port.postMessage(message);
    };
    port.onDisconnect.addListener(() => {
      connected = false;
      controller.abort(cancelled());
    });
    port.onMessage.addListener((message: unknown) => {
      const parsed = v.safeParse(ClientPortMessage, message);
      if (!parsed.success) return;
      if (parsed.output.kind === 'stop') {
        controller.abort(cancelled());
        return;
      }
      if (started) return;
      started = true;
      const data = v.safeParse(streamRequests[key], parsed.output.data);
      const run = async () => {
        if (!data.success) throw new AppError('invalid-message', `Malformed "${key}" request.`);
        // The schema for `key` validated `data.output`; TypeScript can't correlate the two unions.
        const handler = handlers[key] as (data: unknown, context: StreamContext) => Promise<unknown>;
        return handler(data.output, {
          signal: controller.signal,
          emit: (event) => post({ kind: 'event', event }),
          sender: port.sender as Runtime.MessageSender,
        });
      };
      run().then(
        (result) => post({ kind: 'done', result }),
        (error) => {
          if (!isCancellation(error)) console.error(`[${key}]`, error);
          post({ kind: 'error', error: toErrorData(error) });
        },
      );
    });
  };
  browser.runtime.onConnect.addListener(listener);
  return () => browser.runtime.onConnect.removeListener(listener);
}

// ---- Sender checks ------------------------------------------------------------------------------------

/**
 * Messages for the worker's UI handlers come only from this extension's own pages (which may sit in a tab),
 * never from a content script, whose sender URL is the web page's.
 */
export function isExtensionPage(sender: Runtime.MessageSender): boolean {
  return (
    sender.id === browser.runtime.id &&
    typeof sender.url === 'string' &&
    sender.url.startsWith(browser.runtime.getURL('/'))
  );
}

/** Messages for a content script come only from this extension (web pages cannot reach it). */
export function isFromExtension(sender: Runtime.MessageSender): boolean {
  return sender.id === browser.runtime.id;
}
