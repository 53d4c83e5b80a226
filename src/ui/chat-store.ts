import { batch, computed, type ReadonlySignal, signal } from '@preact/signals';
import browser, { type Storage, type Tabs } from 'webextension-polyfill';
import { samePage } from '../chat/page-url';
import { asAppError, isCancellation } from '../errors';
import {
  type AskPreset,
  type ChatRequest,
  type ChatView,
  type Conversation,
  type ConversationSummary,
  type DownloadProgress,
  type ModelStatus,
  openStream,
  type PendingAsk,
  protocolKeys,
  type Source,
  type StoredMessage,
  type StreamEvent,
  type StreamHandle,
  sendToWorker,
} from '../protocol';
import { MAX_PASSAGE_TEXT_CHARS, MAX_QUESTION_CHARS, MAX_SELECTION_CHARS } from '../text/limits';
import { downloadFraction, loadingText, toUiError, type UiError } from './model-status';
import type { SummaryState } from './summary-store';

/** Where the chat stands: the same states as the popup's summary, so both read alike. */
export type ChatState = SummaryState;

/** A failure as the chat shows it (message, stable code, whether Retry can help). */
export type ChatError = UiError;

/** The page a tab shows, as far as the chat needs it. */
export type ChatPage = NonNullable<ChatView['page']>;

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

/** Stand-ins for the clipboard and the clock (tests); the real ones by default. */
export interface ChatStoreOptions {
  clipboard?: Pick<Clipboard, 'writeText'>;
  now?: () => number;
}

/** Which screen the panel shows. */
export type ChatScreen = 'chat' | 'history';

/** State and actions of the side-panel chat. */
export interface ChatStore {
  /** The tab the chat is about; null before init, or when the window has no tab. */
  readonly tabId: ReadonlySignal<number | null>;
  /** True when the panel follows the active tab (no `?tab=`). */
  readonly following: ReadonlySignal<boolean>;
  readonly page: ReadonlySignal<ChatPage | null>;
  /** Why this page can't be chatted about, or null. */
  readonly unreadable: ReadonlySignal<string | null>;
  /** The conversation on screen, as the worker saved it; null for a new chat. */
  readonly conversation: ReadonlySignal<Conversation | null>;
  /**
   * The messages to show, in order: the saved ones, the question being answered (at once, before the
   * worker confirms it), and answers kept only here (stopped or interrupted before the worker saved them).
   * The answer being written is not among them: see `answer`.
   */
  readonly messages: ReadonlySignal<StoredMessage[]>;
  /** The answer being written, as Markdown; empty when none is. Hand it to `<Markdown>` as a signal. */
  readonly answer: ReadonlySignal<string>;
  /** The passages the answer being written draws on. */
  readonly sources: ReadonlySignal<Source[]>;
  readonly state: ReadonlySignal<ChatState>;
  /** One readable line for every state. */
  readonly statusText: ReadonlySignal<string>;
  /** True while an answer for the conversation on screen is in progress. */
  readonly busy: ReadonlySignal<boolean>;
  /** Model download fraction (0..1) while it downloads, else null. */
  readonly progress: ReadonlySignal<number | null>;
  readonly download: ReadonlySignal<DownloadProgress | null>;
  readonly error: ReadonlySignal<ChatError | null>;
  readonly modelStatus: ReadonlySignal<ModelStatus | null>;
  /** A selection the next question is about (from the right-click menu), shown quoted above the input. */
  readonly pendingSelection: ReadonlySignal<string | null>;
  /** Changes each time the question box should take the focus. */
  readonly focusRequest: ReadonlySignal<number>;
  readonly screen: ReadonlySignal<ChatScreen>;
  /** Saved chats, newest first as the worker lists them; null until loaded. */
  readonly history: ReadonlySignal<ConversationSummary[] | null>;
  readonly historyLoading: ReadonlySignal<boolean>;
  readonly historyError: ReadonlySignal<string | null>;
  /** A short message about the last small action (a source no longer on the page), or null. */
  readonly notice: ReadonlySignal<string | null>;
  /** True when the conversation on screen, opened from history, is about another page than the tab's. */
  readonly otherPage: ReadonlySignal<boolean>;
  /** Whether a question can be sent now. */
  readonly canSend: ReadonlySignal<boolean>;
  /** Whether the last answer can be written again. */
  readonly canRegenerate: ReadonlySignal<boolean>;
  /**
   * Binds the store to a tab (a number) or to the active tab of the panel's window (null, followed as it
   * changes), loads its conversation, and picks up a right-click request waiting for it.
   */
  init(tabId: number | null): Promise<void>;
  /** Stops listening to the browser. */
  dispose(): void;
  /** Asks a question (with the quoted selection, if any); settles when the answer ends, never rejects. */
  send(question: string): Promise<void>;
  /** Stops the answer being written, keeping what was written, marked as stopped. */
  stop(): void;
  /** Writes the last answer again (or asks the last question again, when it never got through). */
  regenerate(): Promise<void>;
  /** Repeats what failed: loading the tab, or the last question. */
  retry(): Promise<void>;
  /** Copies a message's text (an answer's Markdown); false when there is nothing to copy or it failed. */
  copy(messageId: string): Promise<boolean>;
  /** Starts afresh: the next question begins a new conversation about the page. */
  newChat(): void;
  /** Shows the list of saved chats. */
  openHistory(): Promise<void>;
  /** Back from the list to the chat. */
  closeHistory(): void;
  /** Shows a saved chat. */
  openConversation(id: string): Promise<void>;
  deleteConversation(id: string): Promise<void>;
  /** Deletes every saved chat. */
  clearHistory(): Promise<void>;
  /** Scrolls the page to a passage and highlights it; false when it is no longer there. */
  showSource(source: Source): Promise<boolean>;
  clearSelection(): void;
}

/** What the user bubble says for a right-click preset (the worker writes the actual instruction). */
const PRESET_QUESTIONS: Record<AskPreset, string> = {
  explain: 'Explain this',
  summarize: 'Summarize this',
  define: 'Define this',
  translate: 'Translate this',
};

/** One answer in progress. It keeps its tab and conversation, so the panel can look elsewhere meanwhile. */
interface Run {
  id: number;
  tabId: number;
  /** The page the question is about; the answer is not shown on another page of the same tab. */
  url: string | null;
  request: ChatRequest;
  /** The question as shown at once; null when writing the last answer again. */
  question: StoredMessage | null;
  /** The conversation the answer belongs to: the request's, then the one the worker confirmed. */
  conversationId: string | null;
  /** True once the worker has saved the question (`conversation` event). */
  accepted: boolean;
}

type Outcome = 'idle' | 'done' | 'error';

/** Messages up to and including the last question: what stays on screen while its answer is written. */
function upToLastQuestion(messages: StoredMessage[]): StoredMessage[] {
  const last = messages.findLastIndex((message) => message.role === 'user');
  return last < 0 ? messages : messages.slice(0, last + 1);
}

/** Creates the chat store over a client (the worker's, by default through `createChatWorkerClient`). */
export function createChatStore(
  client: ChatClient = createChatWorkerClient(),
  options: ChatStoreOptions = {},
): ChatStore {
  const now = options.now ?? Date.now;

  const tabId = signal<number | null>(null);
  const following = signal(false);
  const page = signal<ChatPage | null>(null);
  const unreadable = signal<string | null>(null);
  const conversation = signal<Conversation | null>(null);
  /** Conversation from `getChat` (the tab's own) or opened from history (maybe another page's). */
  const origin = signal<'tab' | 'history'>('tab');
  const local = signal<StoredMessage[]>([]);
  const run = signal<Run | null>(null);
  const runState = signal<'loading' | 'reading' | 'generating'>('reading');
  /** While a long page is indexed on its first question: passages done of all. */
  const indexing = signal<{ index: number; count: number } | null>(null);
  const streamText = signal('');
  const streamSources = signal<Source[]>([]);
  const download = signal<DownloadProgress | null>(null);
  const outcome = signal<Outcome>('idle');
  const stopped = signal(false);
  const error = signal<ChatError | null>(null);
  const modelStatus = signal<ModelStatus | null>(null);
  const pendingSelection = signal<string | null>(null);
  const focusRequest = signal(0);
  const screen = signal<ChatScreen>('chat');
  const history = signal<ConversationSummary[] | null>(null);
  const historyLoading = signal(false);
  const historyError = signal<string | null>(null);
  const notice = signal<string | null>(null);
  /** True while the tab's conversation loads: nothing may be sent into the previous tab's meanwhile. */
  const loading = signal(false);
  /** What Retry repeats after an error: loading the tab, or the answer. */
  const retryAction = signal<'load' | 'answer' | null>(null);

  // Each run gets a number; what arrives for an older one is dropped.
  let runs = 0;
  // At most one answer is written at a time (the engine runs one request after another anyway).
  let handle: StreamHandle<Conversation> | null = null;
  // Each tab load gets a number; a view that arrives for an older one is dropped.
  let loads = 0;
  let loaded: Promise<void> = Promise.resolve();
  // Right-click presets of questions not yet saved by the worker, so asking again keeps the preset.
  const presets = new Map<string, AskPreset>();
  let unsubscribe: (() => void)[] = [];
  let localIds = 0;

  const localId = () => `local-${++localIds}`;

  /** The run, when it belongs to the conversation on screen. */
  const shownRun = computed(() => {
    const current = run.value;
    if (!current || current.tabId !== tabId.value) return null;
    const shownPage = page.value;
    if (current.url !== null && shownPage !== null && !samePage(current.url, shownPage.url)) return null;
    return (conversation.value?.id ?? null) === current.conversationId ? current : null;
  });

  const busy = computed(() => shownRun.value !== null);

  const state = computed<ChatState>(() => (shownRun.value ? runState.value : outcome.value));

  const messages = computed(() => {
    const current = shownRun.value;
    const base = [...(conversation.value?.messages ?? []), ...local.value];
    if (!current) return base;
    // Once confirmed (or when answering again), the answer being written replaces whatever followed the
    // question: the old answer, or a partial one the worker may have saved on the way.
    if (current.accepted || current.request.regenerate) return upToLastQuestion(base);
    return current.question ? [...base, current.question] : base;
  });

  const answer = computed(() => (shownRun.value ? streamText.value : ''));
  const sources = computed(() => (shownRun.value ? streamSources.value : []));

  const progress = computed(() => (state.value === 'loading' ? downloadFraction(download.value) : null));

  const statusText = computed(() => {
    switch (state.value) {
      case 'idle':
        return stopped.value ? 'Stopped. This answer is unfinished.' : 'Ready';
      case 'loading':
        return loadingText(download.value, modelStatus.value?.availability);
      case 'reading': {
        const part = indexing.value;
        // The first question on a long page indexes it once; later questions skip this.
        return part && part.count > 0
          ? `Reading the page… ${Math.floor((part.index / part.count) * 100)}%`
          : 'Reading the page…';
      }
      case 'generating':
        return 'Writing the answer…';
      case 'done':
        return 'Done';
      case 'error':
        return error.value?.message ?? 'Something went wrong.';
    }
  });

  const otherPage = computed(() => {
    const shown = conversation.value;
    const current = page.value;
    return (
      origin.value === 'history' && shown !== null && current !== null && !samePage(shown.url, current.url)
    );
  });

  const canSend = computed(
    () =>
      tabId.value !== null &&
      !loading.value &&
      unreadable.value === null &&
      !busy.value &&
      !otherPage.value &&
      retryAction.value !== 'load',
  );

  const canRegenerate = computed(() => {
    if (!canSend.value) return false;
    const list = messages.value;
    return list.at(-1)?.role === 'assistant' && list.some((message) => message.role === 'user');
  });

  const setError = (thrown: unknown, action: 'load' | 'answer') => {
    retryAction.value = action;
    batch(() => {
      error.value = toUiError(thrown);
      outcome.value = 'error';
    });
  };

  const resetOutcome = () => {
    outcome.value = 'idle';
    stopped.value = false;
    error.value = null;
    notice.value = null;
    retryAction.value = null;
  };

  /** Ends the run on screen: what was written stays as a message of its own, with its status. */
  const foldRun = (current: Run, status: 'stopped' | 'interrupted') => {
    const kept = [...local.value];
    if (!current.accepted && current.question) kept.push(current.question);
    const text = streamText.value;
    const shown = conversation.value;
    // What was written here replaces what followed the question: the old answer when answering again, or a
    // partial the worker saved on the way. With nothing written, an old answer stays as it was.
    if (shown && (text || (current.accepted && !current.request.regenerate))) {
      conversation.value = { ...shown, messages: upToLastQuestion(shown.messages) };
    }
    if (text) {
      kept.push({
        id: localId(),
        role: 'assistant',
        content: text,
        createdAt: now(),
        sources: streamSources.value,
        status,
      });
    }
    local.value = kept;
  };

  const endRun = () => {
    handle = null;
    run.value = null;
    streamText.value = '';
    streamSources.value = [];
    download.value = null;
  };

  const refreshModelStatus = async () => {
    try {
      modelStatus.value = await client.getModelStatus();
    } catch {
      // The status only decides a hint; the chat works without it.
    }
  };

  /** Stops a run that is not on screen (another tab's, or a conversation no longer shown). */
  const abandonRun = () => {
    const current = run.value;
    if (!current) return;
    runs++;
    handle?.stop();
    endRun();
  };

  const stop = () => {
    const current = shownRun.value;
    if (!current) return;
    runs++;
    const stopping = handle;
    handle?.stop();
    batch(() => {
      foldRun(current, 'stopped');
      endRun();
      resetOutcome();
      stopped.value = true;
    });
    if (stopping && current.accepted) void showSavedAfterStop(stopping, current.conversationId);
  };

  /**
   * The worker writes a token or two more before it sees a Stop, and saves the answer as it stands then.
   * Once it has, show the saved conversation, so the screen and the history say the same thing.
   */
  const showSavedAfterStop = async (stopping: StreamHandle<Conversation>, id: string | null) => {
    await stopping.result.catch(() => {});
    if (id === null || busy.value || conversation.value?.id !== id) return;
    const saved = await client.openChat(id).catch(() => null);
    if (!saved || busy.value || conversation.value?.id !== id) return;
    batch(() => {
      conversation.value = saved;
      local.value = [];
    });
  };

  const onEvent = (id: number) => (event: StreamEvent) => {
    const current = run.value;
    if (!current || current.id !== id) return;
    batch(() => {
      switch (event.type) {
        case 'conversation': {
          const accepted: Run = { ...current, accepted: true, conversationId: event.conversation.id };
          // Take the saved conversation only while this tab shows the one the question was asked in.
          const showing = conversation.value?.id ?? null;
          const onScreen =
            current.tabId === tabId.value &&
            (showing === current.conversationId || showing === event.conversation.id);
          if (onScreen) {
            conversation.value = event.conversation;
            origin.value = 'tab';
            local.value = [];
          }
          run.value = accepted;
          break;
        }
        case 'sources':
          streamSources.value = event.sources;
          break;
        case 'stage':
          runState.value = event.stage;
          indexing.value = event.stage === 'reading' ? (event.part ?? null) : null;
          if (event.stage !== 'loading') download.value = null;
          break;
        case 'modelProgress':
          runState.value = 'loading';
          download.value = event.progress;
          break;
        case 'token':
          runState.value = 'generating';
          streamText.value += event.text;
          break;
      }
    });
  };

  const start = async (request: ChatRequest, question: StoredMessage | null) => {
    if (run.value) abandonRun();
    const id = ++runs;
    const current: Run = {
      id,
      tabId: request.tabId,
      url: page.value?.url ?? null,
      request,
      question,
      conversationId: request.conversationId,
      accepted: false,
    };
    batch(() => {
      resetOutcome();
      streamText.value = '';
      streamSources.value = [];
      download.value = null;
      runState.value = 'reading';
      indexing.value = null;
      run.value = current;
    });
    const started = client.chat(request, onEvent(id));
    handle = started;
    try {
      const result = await started.result;
      if (id !== runs) return;
      batch(() => {
        const onScreen = shownRun.value?.id === id;
        // Back on the tab after looking elsewhere, the chat shows this conversation again: bring it up to date.
        if (onScreen || (tabId.value === current.tabId && conversation.value?.id === result.id)) {
          conversation.value = result;
          origin.value = 'tab';
          local.value = [];
        }
        if (onScreen) outcome.value = 'done';
        endRun();
      });
      if (modelStatus.value?.availability !== 'available') await refreshModelStatus();
    } catch (thrown) {
      if (id !== runs) return;
      const onScreen = shownRun.value;
      if (isCancellation(thrown)) {
        batch(() => {
          if (onScreen) {
            foldRun(onScreen, 'stopped');
            resetOutcome();
            stopped.value = true;
          }
          endRun();
        });
        return;
      }
      batch(() => {
        if (onScreen) {
          foldRun(onScreen, 'interrupted');
          setError(thrown, 'answer');
        }
        endRun();
      });
    }
  };

  const conversationIdForNext = () => (otherPage.value ? null : (conversation.value?.id ?? null));

  const ask = (question: string, selection: string | null, preset: AskPreset | null) => {
    const tab = tabId.value;
    if (tab === null) return Promise.resolve();
    const content = question.slice(0, MAX_QUESTION_CHARS);
    const quoted = selection === null ? null : selection.slice(0, MAX_SELECTION_CHARS);
    const message: StoredMessage = {
      id: localId(),
      role: 'user',
      content,
      createdAt: now(),
      selection: quoted,
    };
    if (preset) presets.set(message.id, preset);
    batch(() => {
      pendingSelection.value = null;
      if (otherPage.value) {
        // A chat about another page can't go on here: the question starts this page's own.
        conversation.value = null;
        origin.value = 'tab';
        local.value = [];
      }
    });
    return start(
      {
        tabId: tab,
        conversationId: conversationIdForNext(),
        question: content,
        selection: quoted,
        preset,
        regenerate: false,
      },
      message,
    );
  };

  const takePendingAsk = async (tab: number) => {
    let pending: PendingAsk | null;
    try {
      pending = await client.takePendingAsk(tab);
    } catch {
      // Nothing waiting is the common case; a worker that can't answer leaves the panel as it was.
      return;
    }
    if (!pending || pending.tabId !== tab || tab !== tabId.value) return;
    screen.value = 'chat';
    if (pending.preset) {
      // The user picked an action from the menu: that is their latest wish, even over an answer in progress.
      if (shownRun.value) stop();
      if (unreadable.value !== null) return;
      // Not awaited: the answer runs on its own, and whoever took the ask (init) need not wait for it.
      void ask(PRESET_QUESTIONS[pending.preset], pending.selection, pending.preset);
      return;
    }
    batch(() => {
      pendingSelection.value = pending.selection.slice(0, MAX_SELECTION_CHARS);
      focusRequest.value++;
    });
  };

  const loadTab = (tab: number | null): Promise<void> => {
    loaded = loadView(tab);
    return loaded;
  };

  const loadView = async (tab: number | null) => {
    const load = ++loads;
    batch(() => {
      tabId.value = tab;
      loading.value = tab !== null;
      resetOutcome();
      pendingSelection.value = null;
      if (tab === null) {
        page.value = null;
        unreadable.value = null;
        conversation.value = null;
        local.value = [];
      }
    });
    if (tab === null) return;
    let view: ChatView;
    try {
      view = await client.getChat(tab);
    } catch (thrown) {
      if (load !== loads) return;
      batch(() => {
        loading.value = false;
        page.value = null;
        unreadable.value = null;
        conversation.value = null;
        local.value = [];
        setError(thrown, 'load');
      });
      return;
    }
    if (load !== loads) return;
    batch(() => {
      loading.value = false;
      page.value = view.page;
      unreadable.value = view.unreadable;
      conversation.value = view.conversation;
      origin.value = 'tab';
      local.value = [];
    });
    await takePendingAsk(tab);
  };

  const regenerate = async () => {
    const tab = tabId.value;
    if (tab === null || !canSend.value) return;
    const list = messages.value;
    const last = list.findLastIndex((message) => message.role === 'user');
    const question = list[last];
    if (!question) return;
    const localAt = local.value.findIndex((message) => message.id === question.id);
    if (localAt >= 0) {
      // The question never reached the worker's conversation: ask it again, as it was.
      local.value = local.value.slice(0, localAt);
      await ask(question.content, question.selection ?? null, presets.get(question.id) ?? null);
      return;
    }
    const id = conversation.value?.id;
    if (!id) return;
    await start(
      { tabId: tab, conversationId: id, question: '', selection: null, preset: null, regenerate: true },
      null,
    );
  };

  const dispose = () => {
    for (const off of unsubscribe) off();
    unsubscribe = [];
  };

  return {
    tabId,
    following,
    page,
    unreadable,
    conversation,
    messages,
    answer,
    sources,
    state,
    statusText,
    busy,
    progress,
    download,
    error,
    modelStatus,
    pendingSelection,
    focusRequest,
    screen,
    history,
    historyLoading,
    historyError,
    notice,
    otherPage,
    canSend,
    canRegenerate,

    async init(tab) {
      dispose();
      following.value = tab === null;
      if (tab === null) {
        unsubscribe.push(
          client.onActiveTabChanged((id) => {
            if (id !== tabId.value) void loadTab(id);
          }),
        );
      }
      unsubscribe.push(
        client.onTabUpdated((id, change) => {
          if (id !== tabId.value) return;
          // A new address is a new page, with its own conversation; a new title is only a new title.
          if (change.url !== undefined && (!page.value || !samePage(change.url, page.value.url))) {
            void loadTab(id);
          } else if (change.title !== undefined && page.value) {
            page.value = { ...page.value, title: change.title };
          }
        }),
        client.onPendingAsk((id) => {
          // After the tab's conversation has loaded, so a preset continues the right one.
          void loaded.then(() => {
            if (id === tabId.value) return takePendingAsk(id);
          });
        }),
      );
      const target = tab ?? (await client.activeTabId().catch(() => null));
      await Promise.all([loadTab(target), refreshModelStatus()]);
    },

    dispose,

    async send(question) {
      const text = question.trim();
      if (!text || !canSend.value) return;
      await ask(text, pendingSelection.value, null);
    },

    stop,

    regenerate,

    async retry() {
      const action = retryAction.value;
      if (action === 'load') await loadTab(tabId.value);
      else if (action === 'answer') {
        resetOutcome();
        await regenerate();
      }
    },

    async copy(messageId) {
      const message = messages.value.find((m) => m.id === messageId);
      const clipboard = options.clipboard ?? globalThis.navigator?.clipboard;
      if (!message?.content || !clipboard) return false;
      try {
        await clipboard.writeText(message.content);
        return true;
      } catch {
        return false;
      }
    },

    newChat() {
      if (shownRun.value) stop();
      batch(() => {
        conversation.value = null;
        origin.value = 'tab';
        local.value = [];
        resetOutcome();
        screen.value = 'chat';
        focusRequest.value++;
      });
    },

    async openHistory() {
      batch(() => {
        screen.value = 'history';
        historyLoading.value = true;
        historyError.value = null;
      });
      try {
        history.value = await client.listChats();
      } catch (thrown) {
        historyError.value = asAppError(thrown).message;
      } finally {
        historyLoading.value = false;
      }
    },

    closeHistory() {
      batch(() => {
        screen.value = 'chat';
        focusRequest.value++;
      });
    },

    async openConversation(id) {
      let opened: Conversation | null;
      try {
        opened = await client.openChat(id);
      } catch (thrown) {
        historyError.value = asAppError(thrown).message;
        return;
      }
      if (!opened) {
        batch(() => {
          historyError.value = 'That chat no longer exists.';
          history.value = history.value?.filter((item) => item.id !== id) ?? null;
        });
        return;
      }
      const chosen = opened;
      batch(() => {
        conversation.value = chosen;
        origin.value = 'history';
        local.value = [];
        resetOutcome();
        historyError.value = null;
        screen.value = 'chat';
        focusRequest.value++;
      });
    },

    async deleteConversation(id) {
      try {
        await client.deleteChat(id);
      } catch (thrown) {
        historyError.value = asAppError(thrown).message;
        return;
      }
      batch(() => {
        // An answer still being written would save itself back into the deleted chat.
        if (run.value?.conversationId === id) abandonRun();
        history.value = history.value?.filter((item) => item.id !== id) ?? null;
        historyError.value = null;
        if (conversation.value?.id === id) {
          conversation.value = null;
          local.value = [];
          resetOutcome();
        }
      });
    },

    async clearHistory() {
      try {
        await client.clearChats();
      } catch (thrown) {
        historyError.value = asAppError(thrown).message;
        return;
      }
      batch(() => {
        abandonRun();
        history.value = [];
        historyError.value = null;
        conversation.value = null;
        local.value = [];
        resetOutcome();
      });
    },

    async showSource(source) {
      const tab = tabId.value;
      if (tab === null) return false;
      notice.value = null;
      try {
        const shown = await client.showSource(tab, source.text.slice(0, MAX_PASSAGE_TEXT_CHARS));
        if (!shown) notice.value = 'That passage is no longer on the page.';
        return shown;
      } catch (thrown) {
        notice.value = asAppError(thrown).message;
        return false;
      }
    },

    clearSelection() {
      batch(() => {
        pendingSelection.value = null;
        focusRequest.value++;
      });
    },
  };
}
