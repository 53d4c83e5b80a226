import type {
  ChatRequest,
  ChatView,
  Conversation,
  ModelStatus,
  PendingAsk,
  Source,
  StoredMessage,
  StreamHandle,
} from '../../../src/protocol';
import type { ChatClient, TabChange } from '../../../src/ui/chat-client';
import { createFakeStream, type FakeStream } from './fake-stream';

/** One `chat` call as the fake worker sees it; the test plays the worker's part through it. */
export interface FakeChatRun extends FakeStream<Conversation | null> {
  /** What the panel asked; null when it attached to an answer already being written. */
  request: ChatRequest | null;
  /** The tab whose running answer the panel attached to, or null. */
  attachedTo: number | null;
}

/** A stand-in for the worker and the browser: answers from plain fields, and hands every run to the test. */
export interface FakeChatClient extends ChatClient {
  /** What `getChat` answers, per tab. */
  views: Map<number, ChatView>;
  /** Saved chats, for `listChats`, `openChat`, `deleteChat` and `clearChats`. */
  saved: Map<string, Conversation>;
  pending: Map<number, PendingAsk>;
  status: ModelStatus;
  activeTab: number | null;
  /** Whether `showSource` finds the passage on the page. */
  sourceOnPage: boolean;
  shownSources: { tabId: number; text: string }[];
  /** The tabs the panel asked to take a highlight away from, in order. */
  hiddenSources: number[];
  /** The conversation reads the panel made, in order, to count its round trips. */
  requests: ('getChat' | 'openChat')[];
  runs: FakeChatRun[];
  /** The latest run; throws if none started, so a test that forgot to start one fails loudly. */
  readonly run: FakeChatRun;
  /** The browser makes another tab active in the panel's window. */
  activate(tabId: number): void;
  /** A tab goes to another address or gets another title. */
  updateTab(tabId: number, change: TabChange): void;
  /** The worker's context-menu handler leaves a request for the panel. */
  leavePendingAsk(ask: PendingAsk): void;
}

const T0 = 1_700_000_000_000;
let ids = 0;

/** A question, as the worker saves it. */
export function question(content: string, selection: string | null = null): StoredMessage {
  return { id: `q${++ids}`, role: 'user', content, selection, createdAt: T0 };
}

/** An answer, as the worker saves it. */
export function answer(
  content: string,
  sources: Source[] = [],
  status: StoredMessage['status'] = 'complete',
): StoredMessage {
  return { id: `a${++ids}`, role: 'assistant', content, sources, status, createdAt: T0 };
}

/** A passage of the page. */
export function passage(index: number, text: string, heading: string | null = null): Source {
  return { index, text, heading };
}

/** A saved conversation about a page, with its messages in order. */
export function conversationOf(
  id: string,
  messages: StoredMessage[],
  page: { url: string; title: string } = TIDES,
): Conversation {
  return { id, url: page.url, title: page.title, createdAt: T0, updatedAt: T0, messages };
}

export const TIDES = { url: 'https://science.example/tides', title: 'How tides work' };
export const VOLCANOES = { url: 'https://science.example/volcanoes', title: 'Volcanoes' };

/** The view of a readable tab showing `page`, with its latest conversation. */
export function viewOf(page = TIDES, conversation: Conversation | null = null): ChatView {
  return { page, unreadable: null, conversation, answering: false };
}

/** The default model's status, as the worker reports it. */
export const qwen = (availability: ModelStatus['availability'] = 'available'): ModelStatus => ({
  modelId: 'qwen2.5-0.5b-instruct-q8',
  modelName: 'Qwen2.5 0.5B Instruct',
  availability,
  downloadBytes: 512_000_000,
  engine: { tier: 'wasm', name: 'WASM', modelName: 'Qwen2.5 0.5B Instruct' },
});

/** A fake worker and browser. */
export function createFakeChatClient(status: ModelStatus = qwen()): FakeChatClient {
  const runs: FakeChatRun[] = [];
  const activeListeners = new Set<(tabId: number) => void>();
  const updateListeners = new Set<(tabId: number, change: TabChange) => void>();
  const askListeners = new Set<(tabId: number) => void>();
  const subscribe = <L>(set: Set<L>, listener: L) => {
    set.add(listener);
    return () => void set.delete(listener);
  };
  const client: FakeChatClient = {
    views: new Map(),
    saved: new Map(),
    pending: new Map(),
    status,
    activeTab: null,
    sourceOnPage: true,
    shownSources: [],
    hiddenSources: [],
    runs,
    get run() {
      const last = runs.at(-1);
      if (!last) throw new Error('No chat run was started.');
      return last;
    },
    requests: [],
    async getChat({ tabId }) {
      client.requests.push('getChat');
      const view = client.views.get(tabId);
      if (!view) throw new Error(`No tab with id: ${tabId}`);
      return view;
    },
    listChats: async () =>
      [...client.saved.values()].map((c) => ({
        id: c.id,
        url: c.url,
        title: c.title,
        updatedAt: c.updatedAt,
        messageCount: c.messages.length,
        preview: c.messages.find((m) => m.role === 'user')?.content ?? '',
      })),
    async openChat({ id }) {
      client.requests.push('openChat');
      return client.saved.get(id) ?? null;
    },
    async deleteChat({ id }) {
      client.saved.delete(id);
      return undefined;
    },
    async clearChats() {
      client.saved.clear();
      return undefined;
    },
    async takePendingAsk({ tabId }) {
      const ask = client.pending.get(tabId) ?? null;
      client.pending.delete(tabId);
      return ask;
    },
    async showSource({ tabId, text }) {
      client.shownSources.push({ tabId, text });
      return client.sourceOnPage;
    },
    async hideSource({ tabId }) {
      client.hiddenSources.push(tabId);
      return undefined;
    },
    getModelStatus: async () => client.status,
    activeTabId: async () => client.activeTab,
    onActiveTabChanged: (listener) => subscribe(activeListeners, listener),
    onTabUpdated: (listener) => subscribe(updateListeners, listener),
    onPendingAsk: (listener) => subscribe(askListeners, listener),
    activate(tabId) {
      client.activeTab = tabId;
      for (const listener of activeListeners) listener(tabId);
    },
    updateTab(tabId, change) {
      for (const listener of updateListeners) listener(tabId, change);
    },
    leavePendingAsk(ask) {
      client.pending.set(ask.tabId, ask);
      for (const listener of askListeners) listener(ask.tabId);
    },
    chat(request, onEvent) {
      const { stream, handle } = createFakeStream<Conversation | null>(onEvent);
      runs.push(Object.assign(stream, { request, attachedTo: null }));
      return handle as StreamHandle<Conversation>;
    },
    attach: {
      chat(tabId, onEvent) {
        const { stream, handle } = createFakeStream<Conversation | null>(onEvent);
        runs.push(Object.assign(stream, { request: null, attachedTo: tabId }));
        return handle;
      },
    },
  };
  return client;
}
