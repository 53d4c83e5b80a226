import browser, { type Storage, type Tabs } from 'webextension-polyfill';
import { createWorkerClient, type PendingAsk, protocolKeys, type WorkerClientPart } from '../protocol';

/** What changed about a tab (only the fields the chat cares about). */
export interface TabChange {
  url?: string;
  title?: string;
}

/** The part of the worker the side panel uses. */
export type ChatWorker = WorkerClientPart<
  | 'getChat'
  | 'listChats'
  | 'openChat'
  | 'deleteChat'
  | 'clearChats'
  | 'takePendingAsk'
  | 'showSource'
  | 'hideSource'
  | 'getModelStatus',
  'chat'
>;

/** The few browser events the side panel needs, so the store (and its tests) never touch `browser.*`. */
export interface ChatBrowser {
  /** The active tab of the panel's window, or null when there is none. */
  activeTabId(): Promise<number | null>;
  /** Calls back with each tab that becomes active in the panel's window; returns the unsubscribe. */
  onActiveTabChanged(listener: (tabId: number) => void): () => void;
  /** Calls back when a tab's address or title changes; returns the unsubscribe. */
  onTabUpdated(listener: (tabId: number, change: TabChange) => void): () => void;
  /** Calls back when the worker leaves a right-click request for a tab; returns the unsubscribe. */
  onPendingAsk(listener: (tabId: number) => void): () => void;
}

/** Everything the chat store asks of the worker and the browser: {@link createChatWorkerClient} by default. */
export type ChatClient = ChatWorker & ChatBrowser;

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
    ...createWorkerClient(),
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
