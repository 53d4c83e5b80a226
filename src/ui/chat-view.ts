import { batch, computed, type ReadonlySignal, type Signal, signal } from '@preact/signals';
import { samePage } from '../page-url';
import type { ChatView, Conversation, StoredMessage } from '../protocol';

/** The page a tab shows, as far as the chat needs it. */
export type ChatPage = NonNullable<ChatView['page']>;

/** What the side panel has on screen, shared by the chat's parts (tab binding, run, history screen). */
export interface ChatViewState {
  /** The tab the chat is about; null before init, or when the window has no tab. */
  readonly tabId: Signal<number | null>;
  readonly page: Signal<ChatPage | null>;
  /** Why this page can't be chatted about, or null. */
  readonly unreadable: Signal<string | null>;
  /** The conversation on screen, as the worker sent it last; null for a new chat. Changed by `show` only. */
  readonly conversation: ReadonlySignal<Conversation | null>;
  /** Whether the conversation is the tab's own (`getChat`) or opened from history (maybe another page's). */
  readonly origin: ReadonlySignal<'tab' | 'history'>;
  /** True while the tab's conversation loads: nothing may be sent into the previous tab's meanwhile. */
  readonly loading: Signal<boolean>;
  /** True after loading the tab failed, until the outcome is reset: Retry then loads it again. */
  readonly loadFailed: Signal<boolean>;
  /** A selection the next question is about (from the right-click menu), shown quoted above the input. */
  readonly pendingSelection: Signal<string | null>;
  /** A short message about the last small action (a source no longer on the page), or null. */
  readonly notice: Signal<string | null>;
  /** Changes each time the question box should take the focus. */
  readonly focusRequest: Signal<number>;
  /** True when the conversation on screen, opened from history, is about another page than the tab's. */
  readonly otherPage: ReadonlySignal<boolean>;
  /** Puts a conversation on screen, as the worker sent it (null for a new chat). */
  show(conversation: Conversation | null, origin?: 'tab' | 'history'): void;
}

type ShownKey =
  | 'tabId'
  | 'page'
  | 'unreadable'
  | 'conversation'
  | 'pendingSelection'
  | 'notice'
  | 'focusRequest'
  | 'otherPage';

/** What a store shows of the view: the same signals, read-only. */
export type ShownChat = { readonly [K in ShownKey]: ReadonlySignal<ChatViewState[K]['value']> };

export function createChatViewState(): ChatViewState {
  const page = signal<ChatPage | null>(null);
  const conversation = signal<Conversation | null>(null);
  const origin = signal<'tab' | 'history'>('tab');
  return {
    tabId: signal(null),
    page,
    unreadable: signal(null),
    conversation,
    origin,
    loading: signal(false),
    loadFailed: signal(false),
    pendingSelection: signal(null),
    notice: signal(null),
    focusRequest: signal(0),
    otherPage: computed(() => {
      const shown = conversation.value;
      const current = page.value;
      return (
        origin.value === 'history' && shown !== null && current !== null && !samePage(shown.url, current.url)
      );
    }),
    show(shown, from = 'tab') {
      batch(() => {
        conversation.value = shown;
        origin.value = from;
      });
    },
  };
}

/** Messages up to and including the last question: what stays on screen while its answer is written. */
export function upToLastQuestion(messages: StoredMessage[]): StoredMessage[] {
  const last = messages.findLastIndex((message) => message.role === 'user');
  return last < 0 ? messages : messages.slice(0, last + 1);
}
