import { batch, computed, type ReadonlySignal, signal } from '@preact/signals';
import { samePage } from '../page-url';
import type {
  ChatRequest,
  Conversation,
  ModelStatus,
  Source,
  StoredMessage,
  StreamEvent,
  StreamHandle,
} from '../protocol';
import type { ChatClient } from './chat-client';
import { type ChatViewState, showConversation, upToLastQuestion } from './chat-view';
import { doneText, loadingText, waitingText } from './model-status';
import { createStreamRun, type RunState, readPercent, type StreamRun } from './stream-run';

/** One answer in progress. It keeps its tab and conversation, so the panel can look elsewhere meanwhile. */
interface Answer {
  tabId: number;
  /** The page the question is about; the answer is not shown on another page of the same tab. */
  url: string | null;
  /** True when writing the last answer again. */
  regenerate: boolean;
  /** The question as shown at once; null when writing the last answer again. */
  question: StoredMessage | null;
  /** The conversation the answer belongs to: the request's, then the one the worker confirmed. */
  conversationId: string | null;
  /** True once the worker has saved the question (`conversation` event). */
  accepted: boolean;
}

/** The answer being written, as the side panel shows it; at most one at a time. */
export interface ChatRun {
  readonly stream: StreamRun<Conversation | null>;
  /** True while an answer for the conversation on screen is in progress. */
  readonly busy: ReadonlySignal<boolean>;
  readonly state: ReadonlySignal<RunState>;
  /** One readable line for every state. */
  readonly statusText: ReadonlySignal<string>;
  /** Model download fraction (0..1) while it downloads, else null. */
  readonly progress: ReadonlySignal<number | null>;
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
  readonly modelStatus: ReadonlySignal<ModelStatus | null>;
  refreshModelStatus(): Promise<void>;
  /** Asks the worker; a run in progress elsewhere is abandoned. Settles when the answer ends. */
  start(request: ChatRequest, question: StoredMessage | null): Promise<void>;
  /**
   * Follows the answer the worker is writing for the tab (the panel was reloaded meanwhile), unless the
   * panel already follows one.
   */
  attach(tabId: number): Promise<void>;
  /** Stops the answer being written, keeping what was written, marked as stopped. */
  stop(): void;
  /** Stops a run that is not on screen (another tab's, or a conversation no longer shown). */
  abandon(): void;
  /** The conversation a running answer belongs to, or null. */
  conversationId(): string | null;
  /** Back to idle: no outcome, error, notice or failed load. */
  reset(): void;
}

export function createChatRun(
  client: ChatClient,
  view: ChatViewState,
  options: {
    now: () => number;
    localId: () => string;
    /** What Retry does after an answer failed. */
    retryAnswer: () => Promise<void>;
  },
): ChatRun {
  const stream = createStreamRun<Conversation | null>();
  const current = signal<Answer | null>(null);
  const streamSources = signal<Source[]>([]);
  const modelStatus = signal<ModelStatus | null>(null);

  /** The run, when it belongs to the conversation on screen. */
  const shown = computed(() => {
    const answer = current.value;
    if (!answer || answer.tabId !== view.tabId.value) return null;
    const page = view.page.value;
    if (answer.url !== null && page !== null && !samePage(answer.url, page.url)) return null;
    return (view.conversation.value?.id ?? null) === answer.conversationId ? answer : null;
  });

  const busy = computed(() => shown.value !== null);
  const state = computed<RunState>(() => (shown.value ? stream.stage.value : stream.outcome.value));

  const statusText = computed(() => {
    switch (state.value) {
      case 'idle':
        return stream.stopped.value ? 'Stopped. This answer is unfinished.' : 'Ready';
      case 'loading': {
        const waiting = stream.waiting.value;
        if (waiting) return waitingText(waiting.ahead);
        return loadingText(stream.download.value, modelStatus.value?.availability);
      }
      case 'reading': {
        const part = stream.part.value;
        // The first question on a long page indexes it once; later questions skip this.
        return part && part.count > 0
          ? `Reading the page… ${Math.floor((part.index / part.count) * 100)}%`
          : 'Reading the page…';
      }
      case 'generating': {
        const read = stream.promptRead.value;
        return read ? `Reading the page… ${readPercent(read)}%` : 'Writing the answer…';
      }
      case 'done':
        return doneText(stream.engine.value);
      case 'error':
        return stream.error.value?.message ?? 'Something went wrong.';
    }
  });

  const messages = computed(() => {
    const answer = shown.value;
    const base = [...(view.conversation.value?.messages ?? []), ...view.local.value];
    if (!answer) return base;
    // Once confirmed (or when answering again), the answer being written replaces whatever followed the
    // question: the old answer, or a partial one the worker may have saved on the way.
    if (answer.accepted || answer.regenerate) return upToLastQuestion(base);
    return answer.question ? [...base, answer.question] : base;
  });

  const reset = () => {
    batch(() => {
      stream.reset();
      view.notice.value = null;
      view.loadFailed.value = false;
    });
  };

  /** Ends the run on screen: what was written stays as a message of its own, with its status. */
  const fold = (answer: Answer, status: 'stopped' | 'interrupted') => {
    const kept = [...view.local.value];
    if (!answer.accepted && answer.question) kept.push(answer.question);
    const text = stream.text.value;
    const conversation = view.conversation.value;
    // What was written here replaces what followed the question: the old answer when answering again, or a
    // partial the worker saved on the way. With nothing written, an old answer stays as it was.
    if (conversation && (text || (answer.accepted && !answer.regenerate))) {
      view.conversation.value = { ...conversation, messages: upToLastQuestion(conversation.messages) };
    }
    if (text) {
      kept.push({
        id: options.localId(),
        role: 'assistant',
        content: text,
        createdAt: options.now(),
        sources: streamSources.value,
        status,
      });
    }
    view.local.value = kept;
  };

  const end = () => {
    current.value = null;
    streamSources.value = [];
  };

  const refreshModelStatus = async () => {
    try {
      modelStatus.value = await client.getModelStatus();
    } catch {
      // The status only decides a hint; the chat works without it.
    }
  };

  /**
   * The worker writes a token or two more before it sees a Stop, and saves the answer as it stands then.
   * Once it has, show the saved conversation, so the screen and the history say the same thing.
   */
  const showSavedAfterStop = async (stopping: Promise<void>, id: string | null) => {
    await stopping;
    if (id === null || busy.value || view.conversation.value?.id !== id) return;
    const saved = await client.openChat({ id }).catch(() => null);
    if (!saved || busy.value || view.conversation.value?.id !== id) return;
    batch(() => {
      view.conversation.value = saved;
      view.local.value = [];
    });
  };

  const onEvent = (event: StreamEvent) => {
    const answer = current.value;
    if (!answer) return;
    if (event.type === 'conversation') {
      // Take the saved conversation only while this tab shows the one the question was asked in.
      const showing = view.conversation.value?.id ?? null;
      const onScreen =
        answer.tabId === view.tabId.value &&
        (showing === answer.conversationId || showing === event.conversation.id);
      if (onScreen) showConversation(view, event.conversation);
      current.value = { ...answer, accepted: true, conversationId: event.conversation.id };
    } else if (event.type === 'sources') {
      streamSources.value = event.sources;
    }
  };

  const abandon = () => {
    if (!current.value) return;
    batch(() => {
      void stream.abandon();
      end();
    });
  };

  /** Follows an answer to its end, on screen or not. */
  const follow = async (
    answer: Answer,
    open: (onEvent: (event: StreamEvent) => void) => StreamHandle<Conversation | null>,
  ) => {
    abandon();
    batch(() => {
      reset();
      streamSources.value = [];
      current.value = answer;
    });
    const ended = await stream.begin(open, onEvent);
    if (ended.kind === 'superseded') return;
    const onScreen = shown.value;
    // Attached after the worker had finished: the saved conversation is the answer.
    const result =
      ended.kind === 'done' && ended.result === null && answer.conversationId !== null
        ? await client.openChat({ id: answer.conversationId }).catch(() => null)
        : ended.kind === 'done'
          ? ended.result
          : null;
    batch(() => {
      if (ended.kind === 'done') {
        // Back on the tab after looking elsewhere, the chat shows this conversation again: bring it up to date.
        if (
          result &&
          (onScreen || (view.tabId.value === answer.tabId && view.conversation.value?.id === result.id))
        ) {
          showConversation(view, result);
        }
        if (onScreen) stream.finish();
      } else if (onScreen) {
        fold(onScreen, ended.kind === 'cancelled' ? 'stopped' : 'interrupted');
        if (ended.kind === 'cancelled') {
          reset();
          stream.markStopped();
        } else {
          stream.fail(ended.error, options.retryAnswer);
        }
      }
      end();
    });
    if (ended.kind === 'done' && modelStatus.value?.availability !== 'available') await refreshModelStatus();
  };

  const start = (request: ChatRequest, question: StoredMessage | null) =>
    follow(
      {
        tabId: request.tabId,
        url: view.page.value?.url ?? null,
        regenerate: request.regenerate,
        question,
        conversationId: request.conversationId,
        accepted: false,
      },
      (events) => client.chat(request, events),
    );

  const attach = async (tabId: number) => {
    // Already following an answer (this tab's, seen again, or another's): stopping it would lose work;
    // an answer the panel does not follow goes on in the worker all the same.
    if (current.value) return;
    await follow(
      {
        tabId,
        url: view.page.value?.url ?? null,
        regenerate: false,
        question: null,
        conversationId: view.conversation.value?.id ?? null,
        accepted: false,
      },
      (events) => client.attach.chat(tabId, events),
    );
  };

  const stop = () => {
    const answer = shown.value;
    if (!answer) return;
    let stopping: Promise<void> = Promise.resolve();
    batch(() => {
      fold(answer, 'stopped');
      stopping = stream.abandon();
      end();
      reset();
      stream.markStopped();
    });
    if (answer.accepted) void showSavedAfterStop(stopping, answer.conversationId);
  };

  return {
    stream,
    busy,
    state,
    statusText,
    progress: computed(() => (shown.value ? stream.progress.value : null)),
    messages,
    answer: computed(() => (shown.value ? stream.text.value : '')),
    sources: computed(() => (shown.value ? streamSources.value : [])),
    modelStatus,
    refreshModelStatus,
    start,
    attach,
    stop,
    abandon,
    conversationId: () => current.value?.conversationId ?? null,
    reset,
  };
}
