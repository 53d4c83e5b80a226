import { batch, computed, type ReadonlySignal, signal } from '@preact/signals';
import { isCancellation } from '../errors';
import type { DownloadProgress, EngineInfo, QueueAhead, StreamEvent, StreamHandle } from '../protocol';
import { downloadFraction, toUiError, type UiError } from './model-status';

/** Where a run stands; the busy states mirror the worker's `stage` events. */
export type RunState = 'idle' | 'loading' | 'reading' | 'generating' | 'done' | 'error';

/** A busy state: what the worker is doing for the run. */
export type RunStage = 'loading' | 'reading' | 'generating';

/** Prompt tokens read of all. */
export interface PromptRead {
  done: number;
  total: number;
}

/** A prompt read as a whole percentage, for status lines. */
export function readPercent({ done, total }: PromptRead): number {
  return total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
}

/** How a run ended. `superseded`: stopped, abandoned or replaced here; nothing more is to be done. */
export type RunEnd<R> =
  | { kind: 'done'; result: R }
  | { kind: 'cancelled' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'superseded' };

/**
 * One streamed request at a time, as a UI shows it: its stage, download and part progress, the text it
 * streams, and how it ended (done, stopped, failed). Events of a run that was stopped or replaced are
 * dropped. What a finished run means (a summary, a saved answer) is the store's own business.
 */
export interface StreamRun<R> {
  readonly stage: ReadonlySignal<RunStage>;
  /** The latest download report, in bytes, while the model downloads. */
  readonly download: ReadonlySignal<DownloadProgress | null>;
  /** The part being read, when the worker reads in parts. */
  readonly part: ReadonlySignal<{ index: number; count: number } | null>;
  /** While the run waits for the model: what it is busy with (null inside: something unknown). */
  readonly waiting: ReadonlySignal<{ ahead: QueueAhead | null } | null>;
  /** True once the current stage has streamed text: its prompt is read. */
  readonly writing: ReadonlySignal<boolean>;
  /** How much of the prompt the model has read, while it reads one that takes a while. */
  readonly promptRead: ReadonlySignal<PromptRead | null>;
  /** A PDF's pages read so far, while the worker reads it. */
  readonly pdfRead: ReadonlySignal<PromptRead | null>;
  /** The text streamed so far by the latest run (kept after it ends). */
  readonly text: ReadonlySignal<string>;
  /** The engine running the latest run (kept after it ends), once the worker says. */
  readonly engine: ReadonlySignal<EngineInfo | null>;
  /** How the last run ended, as far as the UI is told (see `finish`, `fail`, `markStopped`). */
  readonly outcome: ReadonlySignal<'idle' | 'done' | 'error'>;
  /** True after the user stopped a run: the text kept is unfinished. */
  readonly stopped: ReadonlySignal<boolean>;
  readonly error: ReadonlySignal<UiError | null>;
  /** True while a run is in progress. */
  readonly running: ReadonlySignal<boolean>;
  /** The stage while running, else the outcome. */
  readonly state: ReadonlySignal<RunState>;
  /** Model download fraction (0..1) while it downloads, else null. */
  readonly progress: ReadonlySignal<number | null>;
  /**
   * Starts a run (a run in progress is abandoned first). `onEvent` sees the events the run does not
   * handle itself (a chat's conversation and sources), inside the same batch. Never rejects.
   */
  begin(
    open: (onEvent: (event: StreamEvent) => void) => StreamHandle<R>,
    onEvent?: (event: StreamEvent) => void,
  ): Promise<RunEnd<R>>;
  /** Stops the run in progress, keeping its text, and marks it stopped. */
  stop(): void;
  /**
   * Asks the worker to stop the run in progress and marks it stopped, but follows it to its end: `begin`
   * then settles with that end, and `onEvent` still sees what the worker sends last (no more text).
   */
  halt(): void;
  /**
   * Stops the run in progress without a trace (the user turned to something else). Settles once the
   * worker has ended it.
   */
  abandon(): Promise<void>;
  /** Counts starts, stops and abandons: an answer loaded for an older count is out of date. */
  epoch(): number;
  /** Back to idle: no outcome, no error, not stopped. */
  reset(): void;
  /** The last run is done. */
  finish(): void;
  /** The last run was stopped (its text is unfinished). */
  markStopped(): void;
  /** Shows a failure; `retry` is what Retry repeats. */
  fail(thrown: unknown, retry?: () => Promise<void>): void;
  /** Repeats what failed, if anything did. */
  retry(): Promise<void>;
}

const noop = () => {};

/** Creates a run; the store that owns it decides what each ending means. */
export function createStreamRun<R>(): StreamRun<R> {
  const stage = signal<RunStage>('reading');
  const download = signal<DownloadProgress | null>(null);
  const part = signal<{ index: number; count: number } | null>(null);
  const promptRead = signal<PromptRead | null>(null);
  const pdfRead = signal<PromptRead | null>(null);
  const writing = signal(false);
  const waiting = signal<{ ahead: QueueAhead | null } | null>(null);
  const text = signal('');
  const engine = signal<EngineInfo | null>(null);
  const outcome = signal<'idle' | 'done' | 'error'>('idle');
  const stopped = signal(false);
  const error = signal<UiError | null>(null);
  const running = signal(false);
  let handle: StreamHandle<R> | null = null;
  let epoch = 0;
  let halted = false;
  let retryAction: (() => Promise<void>) | null = null;

  const reset = () => {
    retryAction = null;
    batch(() => {
      outcome.value = 'idle';
      stopped.value = false;
      error.value = null;
    });
  };

  const end = () => {
    handle = null;
    batch(() => {
      running.value = false;
      download.value = null;
      part.value = null;
      promptRead.value = null;
      pdfRead.value = null;
      waiting.value = null;
    });
  };

  const abandon = (): Promise<void> => {
    epoch++;
    const stopping = handle;
    stopping?.stop();
    end();
    return stopping ? stopping.result.then(noop, noop) : Promise.resolve();
  };

  const markStopped = () => {
    batch(() => {
      reset();
      stopped.value = true;
    });
  };

  const reduce = (event: StreamEvent) => {
    if (event.type !== 'waiting') waiting.value = null;
    switch (event.type) {
      case 'waiting':
        stage.value = 'loading';
        waiting.value = { ahead: event.ahead };
        break;
      case 'stage':
        stage.value = event.stage;
        part.value = event.part ?? null;
        promptRead.value = null;
        writing.value = false;
        if (event.stage !== 'loading') download.value = null;
        break;
      case 'modelProgress':
        stage.value = 'loading';
        download.value = event.progress;
        break;
      case 'token':
        stage.value = 'generating';
        promptRead.value = null;
        writing.value = true;
        text.value += event.text;
        break;
      case 'promptProgress':
        promptRead.value = { done: event.done, total: event.total };
        break;
      case 'pdfProgress':
        pdfRead.value = { done: event.done, total: event.total };
        break;
      case 'engine':
        // A failed engine's partial text goes: the next one writes the answer from the start.
        if (engine.value && event.engine.fellBackFrom) text.value = '';
        engine.value = event.engine;
        break;
    }
  };

  return {
    stage,
    download,
    part,
    waiting,
    writing,
    promptRead,
    pdfRead,
    text,
    engine,
    outcome,
    stopped,
    error,
    running,
    state: computed(() => (running.value ? stage.value : outcome.value)),
    progress: computed(() =>
      running.value && stage.value === 'loading' ? downloadFraction(download.value) : null,
    ),

    async begin(open, onEvent) {
      if (running.value) abandon();
      const id = ++epoch;
      halted = false;
      batch(() => {
        reset();
        text.value = '';
        engine.value = null;
        download.value = null;
        part.value = null;
        promptRead.value = null;
        waiting.value = null;
        writing.value = false;
        stage.value = 'reading';
        running.value = true;
      });
      const current = open((event) => {
        if (id !== epoch) return;
        batch(() => {
          if (!halted) reduce(event);
          onEvent?.(event);
        });
      });
      handle = current;
      let ended: RunEnd<R>;
      try {
        ended = { kind: 'done', result: await current.result };
      } catch (thrown) {
        ended = isCancellation(thrown) ? { kind: 'cancelled' } : { kind: 'failed', error: thrown };
      }
      if (id !== epoch) return { kind: 'superseded' };
      end();
      return ended;
    },

    stop() {
      if (!running.value) return;
      void abandon();
      markStopped();
    },

    halt() {
      if (!running.value || halted) return;
      halted = true;
      handle?.stop();
      markStopped();
    },

    abandon,
    epoch: () => epoch,
    reset,

    finish() {
      outcome.value = 'done';
    },

    markStopped,

    fail(thrown, retry) {
      retryAction = retry ?? null;
      batch(() => {
        error.value = toUiError(thrown);
        outcome.value = 'error';
      });
    },

    async retry() {
      await retryAction?.();
    },
  };
}

/** Copies text to the clipboard; false when there is nothing to copy or the clipboard refused. */
export async function copyText(
  text: string,
  clipboard: Pick<Clipboard, 'writeText'> | undefined = globalThis.navigator?.clipboard,
): Promise<boolean> {
  if (!text || !clipboard) return false;
  try {
    await clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
