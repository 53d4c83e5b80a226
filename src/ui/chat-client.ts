import browser, { type Storage, type Tabs } from 'webextension-polyfill';
import {
  attachStream,
  type ChatRequest,
  type ChatView,
  type Conversation,
  type ConversationSummary,
  type ModelStatus,
  openStream,
  type PendingAsk,
  protocolKeys,
  type StreamEvent,
  type StreamHandle,
  sendToWorker,
} from '../protocol';

/** What changed about a tab (only the fields the chat cares about). */
export interface TabChange {
  url?: string;
  title?: string;
}

/**
 * The protocol and the few browser events the side panel needs, so the store (and its tests) never touch
 * `browser.*`: the default implementation is {@link createChatWorkerClient}.
 */
export interface ChatClient {
  getChat(tabId: number): Promise<ChatView>;
  listChats(): Promise<ConversationSummary[]>;
  openChat(id: string): Promise<Conversation | null>;
  deleteChat(id: string): Promise<void>;
  clearChats(): Promise<void>;
  takePendingAsk(tabId: number): Promise<PendingAsk | null>;
  showSource(tabId: number, text: string): Promise<boolean>;
  getModelStatus(): Promise<ModelStatus>;
  chat(request: ChatRequest, onEvent: (event: StreamEvent) => void): StreamHandle<Conversation>;
  /** Follows the answer being written for the tab; its result is null when none is. */
  attachChat(tabId: number, onEvent: (event: StreamEvent) => void): StreamHandle<Conversation | null>;
  /** The active tab of the panel's window, or null when there is none. */
  activeTabId(): Promise<number | null>;
  /** Calls back with each tab that becomes active in the panel's window; returns the unsubscribe. */
  onActiveTabChanged(listener: (tabId: number) => void): () => void;
  /** Calls back when a tab's address or title changes; returns the unsubscribe. */
  onTabUpdated(listener: (tabId: number, change: TabChange) => void): () => void;
  /** Calls back when the worker leaves a right-click request for a tab; returns the unsubscribe. */
  onPendingAsk(listener: (tabId: number) => void): () => void;
}

/** The tab a session-storage change leaves a new right-click request for, or null. */
function pendingAskTab(key: string, change: Storage.StorageChange): number | null {
  // Taking the ask removes the key; that change has no new value and is not a new ask.
  const tabId = (change.newValue as Partial<PendingAsk> | null | undefined)?.tabId;
  return typeof tabId === 'number' && key === protocolKeys.pendingAsk(tabId) ? tabId : null;
}

/** The client that talks to the real worker and listens to the real browser. */
export function createChatWorkerClient(): ChatClient {
  // The panel lives in one window; tabs activated in other windows belong to their own panels.
  let panelWindow: Promise<number | null> | undefined;
  const windowId = () => {
    panelWindow ??= browser.windows.getCurrent().then(
      (window) => window?.id ?? null,
      () => null,
    );
    return panelWindow;
  };
  return {
    getChat: (tabId) => sendToWorker('getChat', { tabId }),
    listChats: () => sendToWorker('listChats', {}),
    openChat: (id) => sendToWorker('openChat', { id }),
    deleteChat: (id) => sendToWorker('deleteChat', { id }),
    clearChats: () => sendToWorker('clearChats', {}),
    takePendingAsk: (tabId) => sendToWorker('takePendingAsk', { tabId }),
    showSource: (tabId, text) => sendToWorker('showSource', { tabId, text }),
    getModelStatus: () => sendToWorker('getModelStatus', {}),
    chat: (request, onEvent) => openStream('chat', request, onEvent),
    attachChat: (tabId, onEvent) => attachStream('chat', tabId, onEvent),
    async activeTabId() {
      const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
      return tab?.id ?? null;
    },
    onActiveTabChanged(listener) {
      const onActivated = async (info: Tabs.OnActivatedActiveInfoType) => {
        const own = await windowId();
        if (own === null || own === info.windowId) listener(info.tabId);
      };
      browser.tabs.onActivated.addListener(onActivated);
      return () => browser.tabs.onActivated.removeListener(onActivated);
    },
    onTabUpdated(listener) {
      const onUpdated = (tabId: number, change: Tabs.OnUpdatedChangeInfoType) => {
        if (change.url === undefined && change.title === undefined) return;
        const relevant: TabChange = {};
        if (change.url !== undefined) relevant.url = change.url;
        if (change.title !== undefined) relevant.title = change.title;
        listener(tabId, relevant);
      };
      browser.tabs.onUpdated.addListener(onUpdated);
      return () => browser.tabs.onUpdated.removeListener(onUpdated);
    },
    onPendingAsk(listener) {
      const onChanged = (changes: Record<string, Storage.StorageChange>) => {
        for (const [key, change] of Object.entries(changes)) {
          const tabId = pendingAskTab(key, change);
          if (tabId !== null) listener(tabId);
        }
      };
      browser.storage.session.onChanged.addListener(onChanged);
      return () => browser.storage.session.onChanged.removeListener(onChanged);
    },
  };
}
