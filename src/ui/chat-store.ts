import { batch, computed, type ReadonlySignal } from '@preact/signals';
import { asAppError } from '../errors';
import type { AskPreset, DownloadProgress, PendingAsk, Source, StoredMessage } from '../protocol';
import { MAX_PASSAGE_TEXT_CHARS, MAX_QUESTION_CHARS, MAX_SELECTION_CHARS } from '../protocol/limits';
import { cutAtCodePoint } from '../text/blocks';
import { type ChatClient, createChatWorkerClient } from './chat-client';
import { createHistoryScreen, type HistoryScreen } from './chat-history-screen';
import { type ChatRun, createChatRun } from './chat-run';
import { createTabBinding, type TabBinding } from './chat-tab';
import { createChatViewState, type ShownChat } from './chat-view';
import type { UiError } from './model-status';
import { copyText } from './stream-run';

// The side panel's chat, composed of its parts: the worker client (chat-client.ts), what is on screen
// (chat-view.ts), the tab it is about (chat-tab.ts), the answer being written (chat-run.ts) and the history
// screen (chat-history-screen.ts). This file turns the user's actions into requests.

export { createChatWorkerClient } from './chat-client';

/** Stand-ins for the clipboard and the clock (tests); the real ones by default. */
export interface ChatStoreOptions {
  clipboard?: Pick<Clipboard, 'writeText'>;
  now?: () => number;
}

/** State and actions of the side-panel chat. */
export interface ChatStore
  extends Omit<HistoryScreen, 'showChat'>,
    Pick<
      ChatRun,
      | 'messages'
      | 'answer'
      | 'sources'
      | 'state'
      | 'statusText'
      | 'busy'
      | 'progress'
      | 'modelStatus'
      | 'stop'
    >,
    ShownChat,
    TabBinding {
  readonly download: ReadonlySignal<DownloadProgress | null>;
  readonly error: ReadonlySignal<UiError | null>;
  /** Whether a question can be sent now. */
  readonly canSend: ReadonlySignal<boolean>;
  /** Whether the last answer can be written again. */
  readonly canRegenerate: ReadonlySignal<boolean>;
  /** Asks a question (with the quoted selection, if any); settles when the answer ends, never rejects. */
  send(question: string): Promise<void>;
  /** Writes the last answer again (or asks the last question again, when it never got through). */
  regenerate(): Promise<void>;
  /** Repeats what failed: loading the tab, or the last question. */
  retry(): Promise<void>;
  /** Asks the question that a protected PDF refused again, with its password (sent once, kept nowhere). */
  submitPassword(password: string): Promise<void>;
  /** Copies a message's text (an answer's Markdown); false when there is nothing to copy or it failed. */
  copy(messageId: string): Promise<boolean>;
  /** Starts afresh: the next question begins a new conversation about the page. */
  newChat(): void;
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

/** Creates the chat store over a client (the worker's, by default through `createChatWorkerClient`). */
export function createChatStore(
  client: ChatClient = createChatWorkerClient(),
  options: ChatStoreOptions = {},
): ChatStore {
  const now = options.now ?? Date.now;
  const view = createChatViewState();
  const { tabId, page, unreadable, conversation, loading, pendingSelection, notice, focusRequest } = view;
  let localIds = 0;
  // The tab whose page shows a passage we highlighted: a new question or chat takes it away.
  let highlighted: number | null = null;
  const hideHighlight = () => {
    if (highlighted === null) return;
    const tab = highlighted;
    highlighted = null;
    // The page clears it by itself within seconds anyway, so a tab that has gone is not an error.
    client.hideSource({ tabId: tab }).catch(() => {});
  };
  const localId = () => `local-${++localIds}`;
  const run = createChatRun(client, view, { now, localId, retryAnswer: () => regenerate() });
  const screen = createHistoryScreen(client, view, run);
  const binding = createTabBinding(client, view, run, (tab) => takePendingAsk(tab));
  const { stream, busy, messages } = run;

  const canSend = computed(
    () =>
      tabId.value !== null &&
      !loading.value &&
      unreadable.value === null &&
      !busy.value &&
      !view.otherPage.value &&
      !view.loadFailed.value,
  );

  const canRegenerate = computed(() => {
    if (!canSend.value) return false;
    const list = messages.value;
    return list.at(-1)?.role === 'assistant' && list.some((message) => message.role === 'user');
  });

  const conversationIdForNext = () => (view.otherPage.value ? null : (conversation.value?.id ?? null));

  const ask = (question: string, selection: string | null, preset: AskPreset | null) => {
    const tab = tabId.value;
    if (tab === null) return Promise.resolve();
    const content = cutAtCodePoint(question, MAX_QUESTION_CHARS);
    const quoted = selection === null ? null : cutAtCodePoint(selection, MAX_SELECTION_CHARS);
    const message: StoredMessage = {
      id: localId(),
      role: 'user',
      content,
      createdAt: now(),
      selection: quoted,
    };
    batch(() => {
      pendingSelection.value = null;
      // A chat about another page can't go on here: the question starts this page's own.
      if (view.otherPage.value) view.show(null);
    });
    return run.start(
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
      pending = await client.takePendingAsk({ tabId: tab });
    } catch {
      // Nothing waiting is the common case; a worker that can't answer leaves the panel as it was.
      return;
    }
    if (!pending || pending.tabId !== tab || tab !== tabId.value) return;
    screen.showChat();
    if (pending.preset) {
      // The user picked an action from the menu: that is their latest wish, even over an answer in progress.
      run.stop();
      if (unreadable.value !== null) return;
      // Not awaited: the answer runs on its own, and whoever took the ask (init) need not wait for it.
      void ask(PRESET_QUESTIONS[pending.preset], pending.selection, pending.preset);
      return;
    }
    batch(() => {
      pendingSelection.value = cutAtCodePoint(pending.selection, MAX_SELECTION_CHARS);
      focusRequest.value++;
    });
  };

  const regenerate = async () => {
    const tab = tabId.value;
    if (tab === null || !canSend.value) return;
    // The question never reached the worker's conversation: ask it again, as it was (preset included).
    const again = run.repeat();
    if (again) return again;
    const id = conversation.value?.id;
    if (!id) return;
    await run.start(
      { tabId: tab, conversationId: id, question: '', selection: null, preset: null, regenerate: true },
      null,
    );
  };

  return {
    tabId,
    following: binding.following,
    page,
    unreadable,
    conversation,
    messages,
    answer: run.answer,
    sources: run.sources,
    state: run.state,
    statusText: run.statusText,
    busy,
    progress: run.progress,
    download: stream.download,
    error: stream.error,
    modelStatus: run.modelStatus,
    pendingSelection,
    focusRequest,
    screen: screen.screen,
    history: screen.history,
    historyLoading: screen.historyLoading,
    historyError: screen.historyError,
    notice,
    otherPage: view.otherPage,
    canSend,
    canRegenerate,
    init: binding.init,
    dispose: binding.dispose,

    async send(question) {
      const text = question.trim();
      if (!text || !canSend.value) return;
      hideHighlight();
      await ask(text, pendingSelection.value, null);
    },

    stop: run.stop,
    regenerate,
    retry: stream.retry,
    submitPassword: async (password) => {
      await run.repeat(password);
    },

    copy: (messageId) =>
      copyText(messages.value.find((m) => m.id === messageId)?.content ?? '', options.clipboard),

    newChat() {
      hideHighlight();
      batch(() => {
        run.abandon();
        view.show(null);
        run.reset();
        screen.showChat();
        focusRequest.value++;
      });
    },

    openHistory: screen.openHistory,
    closeHistory: screen.closeHistory,
    openConversation: screen.openConversation,
    deleteConversation: screen.deleteConversation,
    clearHistory: screen.clearHistory,

    async showSource(source) {
      const tab = tabId.value;
      if (tab === null) return false;
      notice.value = null;
      try {
        const shown = await client.showSource({
          tabId: tab,
          text: cutAtCodePoint(source.text, MAX_PASSAGE_TEXT_CHARS),
          // A PDF's passage opens its page of the PDF.
          ...(source.page === undefined ? {} : { page: source.page }),
        });
        if (!shown) notice.value = 'That passage is no longer on the page.';
        else highlighted = tab;
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
