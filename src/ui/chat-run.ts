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
  WorkerClientPart,
} from '../protocol';
import { type ChatViewState, upToLastQuestion } from './chat-view';
import { doneText, loadingText, readingText, waitingText } from './model-status';
import { createStreamRun, type RunState, readPercent, type StreamRun } from './stream-run';

/**
 * One answer, from its question to its end. It keeps its tab and conversation, so the panel can look
 * elsewhere meanwhile. Once it ends, the worker's conversation says what it left; only when the worker could
 * not say it (it went away, or never saved the question) does the turn stay on screen after its end.
 */
interface Turn {
  tabId: number;
  /** The page the question is about; the answer is not shown on another page of the same tab. */
  url: string | null;
  /** What was asked; null when attached to an answer the worker was already writing. */
  request: ChatRequest | null;
  /** The question as shown at once, until the worker saves it; null when answering again or attached. */
  question: StoredMessage | null;
  /** What the turn before left on screen that the worker never saved, until it sends its conversation. */
  earlier: StoredMessage[];
  /** The conversation the answer belongs to: the request's, then the one the worker confirmed. */
  conversationId: string | null;
  /** True once the worker has saved the question (`conversation` event). */
  accepted: boolean;
  /** True once the worker has sent the conversation as the answer ended: nothing of the turn stays. */
  final: boolean;
  /** How it ended (stopped: from the moment Stop is pressed); null while it is written. */
  ending: 'stopped' | 'interrupted' | null;
  /** Its answer as streamed, kept after an ending the worker did not report; null with no text. */
  left: StoredMessage | null;
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
   * The messages to show, in order: the worker's conversation, then, until the worker saves them, the
   * question being answered and what an unsaved turn left. The answer being written is not among them:
   * see `answer`.
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
   * Asks again the question of the last turn, which the worker never saved (settles when answered); null
   * when there is none.
   */
  repeat(password?: string): Promise<void> | null;
  /**
   * Follows the answer the worker is writing for the tab (the panel was reloaded meanwhile), unless the
   * panel already follows one.
   */
  attach(tabId: number): Promise<void>;
  /** Stops the answer being written; the worker's conversation then shows what it saved, marked stopped. */
  stop(): void;
  /** Stops a run without a trace (another tab's, or a conversation no longer shown). */
  abandon(): void;
  /** The conversation a running answer belongs to, or null. */
  conversationId(): string | null;
  /** Back to idle: no outcome, error, notice, failed load, or ended turn. */
  reset(): void;
}

export function createChatRun(
  client: WorkerClientPart<'getModelStatus', 'chat'>,
  view: ChatViewState,
  options: {
    now: () => number;
    localId: () => string;
    /** What Retry does after an answer failed. */
    retryAnswer: () => Promise<void>;
  },
): ChatRun {
  const stream = createStreamRun<Conversation | null>();
  const current = signal<Turn | null>(null);
  const streamSources = signal<Source[]>([]);
  const modelStatus = signal<ModelStatus | null>(null);

  /** The turn, when it belongs to the conversation on screen. */
  const shown = computed(() => {
    const turn = current.value;
    if (!turn || turn.tabId !== view.tabId.value) return null;
    const page = view.page.value;
    if (turn.url !== null && page !== null && !samePage(turn.url, page.url)) return null;
    return (view.conversation.value?.id ?? null) === turn.conversationId ? turn : null;
  });

  const busy = computed(() => shown.value !== null && shown.value.ending === null);
  const state = computed<RunState>(() => (busy.value ? stream.stage.value : stream.outcome.value));

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
          : readingText(stream.pdfRead.value);
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

  /** What a turn leaves on screen that the worker has not saved: its question, then its answer. */
  const unsaved = (turn: Turn): StoredMessage[] => [
    ...(turn.accepted ? [] : [...turn.earlier, ...(turn.question ? [turn.question] : [])]),
    ...(turn.left ? [turn.left] : []),
  ];

  const messages = computed(() => {
    const saved = view.conversation.value?.messages ?? [];
    const turn = shown.value;
    if (!turn) return saved;
    // Answering again, or attached, before the worker says so: the answer written now replaces the old one.
    const replacing =
      !turn.accepted && turn.question === null && (turn.ending === null || turn.left !== null);
    return [...(replacing ? upToLastQuestion(saved) : saved), ...unsaved(turn)];
  });

  const reset = () => {
    batch(() => {
      stream.reset();
      view.notice.value = null;
      view.loadFailed.value = false;
      // An ended turn goes with its outcome; one still followed (being stopped elsewhere) stays.
      if (current.value?.ending && !stream.running.value) current.value = null;
    });
  };

  /** The turn's streamed answer, as it stands, marked with how it ended. */
  const answerLeft = (status: 'stopped' | 'interrupted'): StoredMessage | null =>
    stream.text.value
      ? {
          id: options.localId(),
          role: 'assistant',
          content: stream.text.value,
          createdAt: options.now(),
          sources: streamSources.value,
          status,
        }
      : null;

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

  const onEvent = (event: StreamEvent) => {
    const turn = current.value;
    if (!turn) return;
    if (event.type === 'conversation' || event.type === 'finalConversation') {
      // Take the saved conversation only while this tab shows the one the question was asked in.
      const showing = view.conversation.value?.id ?? null;
      const onScreen =
        turn.tabId === view.tabId.value &&
        (showing === turn.conversationId || showing === event.conversation.id);
      if (onScreen) view.show(event.conversation);
      const final = event.type === 'finalConversation';
      current.value = {
        ...turn,
        accepted: true,
        conversationId: event.conversation.id,
        final,
        left: final ? null : turn.left,
      };
    } else if (event.type === 'sources' && turn.ending === null) {
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

  /** Follows a turn to its end, on screen or not. */
  const follow = async (
    turn: Omit<Turn, 'earlier' | 'accepted' | 'final' | 'ending' | 'left'>,
    open: (onEvent: (event: StreamEvent) => void) => StreamHandle<Conversation | null>,
    earlier?: StoredMessage[],
  ) => {
    // What the turn on screen left unsaved stays in view until the worker's conversation replaces it, but
    // for an answer written again: the new one takes its place.
    const before = shown.value;
    const kept = earlier ?? (before && turn.question ? unsaved(before) : []);
    abandon();
    batch(() => {
      reset();
      streamSources.value = [];
      current.value = { ...turn, earlier: kept, accepted: false, final: false, ending: null, left: null };
    });
    const ended = await stream.begin(open, onEvent);
    const last = current.value;
    if (ended.kind === 'superseded' || !last) return;
    const onScreen = shown.value !== null;
    batch(() => {
      if (ended.kind === 'done') {
        const result = ended.result;
        // Back on the tab after looking elsewhere, the chat shows this conversation again: bring it up to date.
        if (
          result &&
          (onScreen || (view.tabId.value === last.tabId && view.conversation.value?.id === result.id))
        ) {
          view.show(result);
        }
        if (onScreen) stream.finish();
        end();
        return;
      }
      // Pressing Stop is what stopped it, whatever the worker's last word was.
      const status = last.ending === 'stopped' || ended.kind === 'cancelled' ? 'stopped' : 'interrupted';
      if (onScreen && status === 'stopped') {
        reset();
        stream.markStopped();
      } else if (onScreen) {
        stream.fail(ended.kind === 'failed' ? ended.error : null, options.retryAnswer);
      }
      if (last.final || !onScreen) end();
      else current.value = { ...last, ending: status, left: last.left ?? answerLeft(status) };
    });
    if (ended.kind === 'done' && modelStatus.value?.availability !== 'available') await refreshModelStatus();
  };

  const start = (request: ChatRequest, question: StoredMessage | null, earlier?: StoredMessage[]) =>
    follow(
      {
        tabId: request.tabId,
        url: view.page.value?.url ?? null,
        // A PDF's password goes with this request only: the turn, kept to be asked again, does not hold it.
        request: { ...request, password: undefined },
        question,
        conversationId: request.conversationId,
      },
      (events) => client.chat(request, events),
      earlier,
    );

  const repeat = (password?: string) => {
    const turn = shown.value;
    if (!turn?.ending || turn.accepted || !turn.request || !turn.question) return null;
    return start(password ? { ...turn.request, password } : turn.request, turn.question, turn.earlier);
  };

  const attach = async (tabId: number) => {
    // Already following an answer (this tab's, seen again, or another's): stopping it would lose work;
    // an answer the panel does not follow goes on in the worker all the same.
    if (stream.running.value) return;
    await follow(
      {
        tabId,
        url: view.page.value?.url ?? null,
        request: null,
        question: null,
        conversationId: view.conversation.value?.id ?? null,
      },
      (events) => client.attach.chat(tabId, events),
    );
  };

  const stop = () => {
    const turn = shown.value;
    if (!turn || turn.ending !== null) return;
    batch(() => {
      current.value = { ...turn, ending: 'stopped', left: answerLeft('stopped') };
      view.notice.value = null;
      view.loadFailed.value = false;
      // The worker saves what it wrote and sends it (`finalConversation`): that replaces what is left here.
      stream.halt();
    });
  };

  return {
    stream,
    busy,
    state,
    statusText,
    progress: computed(() => (busy.value ? stream.progress.value : null)),
    messages,
    answer: computed(() => (busy.value ? stream.text.value : '')),
    sources: computed(() => (busy.value ? streamSources.value : [])),
    modelStatus,
    refreshModelStatus,
    start: (request, question) => start(request, question),
    repeat,
    attach,
    stop,
    abandon,
    conversationId: () => current.value?.conversationId ?? null,
    reset,
  };
}
