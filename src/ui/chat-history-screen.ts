import { batch, type ReadonlySignal, signal } from '@preact/signals';
import { errorText } from '../errors';
import { t } from '../i18n';
import type { Conversation, ConversationSummary, WorkerClientPart } from '../protocol';
import type { ChatRun } from './chat-run';
import type { ChatViewState } from './chat-view';

/** Which screen the panel shows. */
export type ChatScreen = 'chat' | 'history';

/** The list of saved chats, and the switch between it and the chat. */
export interface HistoryScreen {
  readonly screen: ReadonlySignal<ChatScreen>;
  /** Saved chats, newest first as the worker lists them; null until loaded. */
  readonly history: ReadonlySignal<ConversationSummary[] | null>;
  readonly historyLoading: ReadonlySignal<boolean>;
  readonly historyError: ReadonlySignal<string | null>;
  /** Shows the list of saved chats. */
  openHistory(): Promise<void>;
  /** Back from the list to the chat, with the question box focused. */
  closeHistory(): void;
  /** Back to the chat, without touching the focus. */
  showChat(): void;
  /** Shows a saved chat. */
  openConversation(id: string): Promise<void>;
  deleteConversation(id: string): Promise<void>;
  /** Deletes every saved chat. */
  clearHistory(): Promise<void>;
}

export function createHistoryScreen(
  client: WorkerClientPart<'listChats' | 'openChat' | 'deleteChat' | 'clearChats'>,
  view: ChatViewState,
  run: ChatRun,
): HistoryScreen {
  const screen = signal<ChatScreen>('chat');
  const history = signal<ConversationSummary[] | null>(null);
  const historyLoading = signal(false);
  const historyError = signal<string | null>(null);

  /** Runs a change to the saved chats; a failure is shown on the list and the change is not made here. */
  const change = async <T>(action: () => Promise<T>): Promise<{ value: T } | null> => {
    try {
      return { value: await action() };
    } catch (thrown) {
      historyError.value = errorText(thrown);
      return null;
    }
  };

  /** Leaves the conversation on screen for a new chat, as the history no longer has it. */
  const forgetShown = () => {
    view.show(null);
    run.reset();
  };

  return {
    screen,
    history,
    historyLoading,
    historyError,

    async openHistory() {
      batch(() => {
        screen.value = 'history';
        historyLoading.value = true;
        historyError.value = null;
      });
      const listed = await change(() => client.listChats());
      if (listed) history.value = listed.value;
      historyLoading.value = false;
    },

    closeHistory() {
      batch(() => {
        screen.value = 'chat';
        view.focusRequest.value++;
      });
    },

    showChat() {
      screen.value = 'chat';
    },

    async openConversation(id) {
      const opened = await change(() => client.openChat({ id }));
      if (!opened) return;
      const chosen: Conversation | null = opened.value;
      batch(() => {
        if (!chosen) {
          historyError.value = t('history_gone');
          history.value = history.value?.filter((item) => item.id !== id) ?? null;
          return;
        }
        view.show(chosen, 'history');
        run.reset();
        historyError.value = null;
        screen.value = 'chat';
        view.focusRequest.value++;
      });
    },

    async deleteConversation(id) {
      if (!(await change(() => client.deleteChat({ id })))) return;
      batch(() => {
        // An answer still being written would save itself back into the deleted chat.
        if (run.conversationId() === id) run.abandon();
        history.value = history.value?.filter((item) => item.id !== id) ?? null;
        historyError.value = null;
        if (view.conversation.value?.id === id) forgetShown();
      });
    },

    async clearHistory() {
      if (!(await change(() => client.clearChats()))) return;
      batch(() => {
        run.abandon();
        history.value = [];
        historyError.value = null;
        forgetShown();
      });
    },
  };
}
