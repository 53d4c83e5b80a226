import { batch, computed, type ReadonlySignal, signal } from '@preact/signals';
import browser from 'webextension-polyfill';
import { isCancellation } from '../errors';
import {
  type DownloadProgress,
  type ModelStatus,
  openStream,
  type StreamEvent,
  type StreamHandle,
  SUMMARY_LENGTHS,
  type SummaryLength,
  type SummaryResult,
  sendToWorker,
  type TabReadability,
} from '../protocol';
import { openSidePanel } from '../side-panel';
import { downloadFraction, loadingText, toUiError, type UiError } from './model-status';

/** Where a summary stands; the busy states mirror the worker's `stage` events. */
export type SummaryState = 'idle' | 'loading' | 'reading' | 'generating' | 'done' | 'error';

/** The part of the protocol the summary UI needs, so tests can stand in for the worker. */
export interface SummaryClient {
  getTabSummary(tabId: number): Promise<SummaryResult | null>;
  getTabReadability(tabId: number): Promise<TabReadability>;
  getModelStatus(): Promise<ModelStatus>;
  summarize(
    tabId: number,
    length: SummaryLength,
    onEvent: (event: StreamEvent) => void,
  ): StreamHandle<SummaryResult>;
  /** Opens the side panel on the tab (inside the click that asked for it). */
  openSidePanel(tabId: number): Promise<void>;
}

/** The client that talks to the real worker. */
export function createWorkerClient(): SummaryClient {
  return {
    getTabSummary: (tabId) => sendToWorker('getTabSummary', { tabId }),
    getTabReadability: (tabId) => sendToWorker('getTabReadability', { tabId }),
    getModelStatus: () => sendToWorker('getModelStatus', {}),
    summarize: (tabId, length, onEvent) => openStream('summarize', { tabId, length }, onEvent),
    openSidePanel,
  };
}

/** A failure as the popup shows it. */
export type SummaryError = UiError;

/** Where the length preference lives; `browser.storage.local` unless a test passes another. */
export type PreferenceStorage = {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
};

/** Stand-ins for the browser's storage and clipboard (tests); the real ones by default. */
export interface SummaryStoreOptions {
  storage?: PreferenceStorage;
  clipboard?: Pick<Clipboard, 'writeText'>;
}

/** State and actions of the summary UI; shared by the popup and, later, the side panel. */
export interface SummaryStore {
  readonly state: ReadonlySignal<SummaryState>;
  /** One readable line for every state. */
  readonly statusText: ReadonlySignal<string>;
  /** Model download fraction (0..1) while it downloads, else null. */
  readonly progress: ReadonlySignal<number | null>;
  /** The latest download report, in bytes, while the model downloads. */
  readonly download: ReadonlySignal<DownloadProgress | null>;
  /** The part being read while a long page is read in parts. */
  readonly part: ReadonlySignal<{ index: number; count: number } | null>;
  /** The summary's Markdown, streamed while it is written. */
  readonly text: ReadonlySignal<string>;
  readonly length: ReadonlySignal<SummaryLength>;
  readonly error: ReadonlySignal<SummaryError | null>;
  /** The finished summary (a restored one included). */
  readonly result: ReadonlySignal<SummaryResult | null>;
  readonly coverage: ReadonlySignal<number | null>;
  readonly parts: ReadonlySignal<number | null>;
  readonly modelStatus: ReadonlySignal<ModelStatus | null>;
  /** Why the worker can't read the tab's page, saying what to do; null when it can or hasn't answered yet. */
  readonly unreadable: ReadonlySignal<string | null>;
  /** True after the user stopped a run; the text kept is then unfinished. */
  readonly stopped: ReadonlySignal<boolean>;
  /** True while a run is in progress (loading, reading or generating). */
  readonly busy: ReadonlySignal<boolean>;
  /** Binds the store to a tab: restores its last summary, the length preference, the model status and readability. */
  init(tabId: number): Promise<void>;
  setLength(length: SummaryLength): Promise<void>;
  /** Summarizes the tab's page; settles when the run ends, never rejects. */
  summarize(): Promise<void>;
  /** Stops the run, keeping what was written so far. */
  stop(): void;
  /** Copies the summary's Markdown; false when there is nothing to copy or the clipboard refused. */
  copy(): Promise<boolean>;
  /** Opens the side panel's chat on the tab; call it straight from a click (a user gesture). */
  openChat(): Promise<void>;
}

const LENGTH_KEY = 'summaryLength';

function isSummaryLength(value: unknown): value is SummaryLength {
  return (SUMMARY_LENGTHS as readonly unknown[]).includes(value);
}

/** Creates the summary store over a client (the worker's, by default through `createWorkerClient`). */
export function createSummaryStore(
  client: SummaryClient = createWorkerClient(),
  options: SummaryStoreOptions = {},
): SummaryStore {
  const storage = options.storage ?? browser.storage.local;
  const state = signal<SummaryState>('idle');
  const download = signal<DownloadProgress | null>(null);
  const part = signal<{ index: number; count: number } | null>(null);
  const text = signal('');
  const length = signal<SummaryLength>('standard');
  const error = signal<SummaryError | null>(null);
  const result = signal<SummaryResult | null>(null);
  const modelStatus = signal<ModelStatus | null>(null);
  const unreadable = signal<string | null>(null);
  const stopped = signal(false);

  let tabId: number | null = null;
  let handle: StreamHandle<SummaryResult> | null = null;
  // Each run and each init gets a number; answers that arrive for an older one are dropped.
  let generation = 0;

  const busy = computed(() => ['loading', 'reading', 'generating'].includes(state.value));

  const progress = computed(() => (state.value === 'loading' ? downloadFraction(download.value) : null));

  const statusText = computed(() => {
    switch (state.value) {
      case 'idle':
        if (!stopped.value) return 'Ready';
        return text.value ? 'Stopped. This summary is unfinished.' : 'Stopped';
      case 'loading':
        return loadingText(download.value, modelStatus.value?.availability);
      case 'reading':
        return 'Reading the page…';
      case 'generating':
        return part.value
          ? `Reading part ${part.value.index} of ${part.value.count}…`
          : 'Writing the summary…';
      case 'done':
        return 'Done';
      case 'error':
        return error.value?.message ?? 'Something went wrong.';
    }
  });

  const clearRun = () => {
    download.value = null;
    part.value = null;
    error.value = null;
    stopped.value = false;
  };

  const onEvent = (run: number) => (event: StreamEvent) => {
    if (run !== generation) return;
    batch(() => {
      if (event.type === 'stage') {
        state.value = event.stage;
        part.value = event.part ?? null;
        if (event.stage !== 'loading') download.value = null;
      } else if (event.type === 'modelProgress') {
        state.value = 'loading';
        download.value = event.progress;
      } else if (event.type === 'token') {
        text.value += event.text;
      }
    });
  };

  const refreshModelStatus = async () => {
    try {
      modelStatus.value = await client.getModelStatus();
    } catch {
      // The status only decides a hint; the UI works without it.
    }
  };

  const stop = () => {
    if (!busy.value) return;
    generation++;
    handle?.stop();
    handle = null;
    batch(() => {
      clearRun();
      stopped.value = true;
      state.value = 'idle';
    });
  };

  return {
    state,
    statusText,
    progress,
    download,
    part,
    text,
    length,
    error,
    result,
    coverage: computed(() => result.value?.coverage ?? null),
    parts: computed(() => result.value?.parts ?? null),
    modelStatus,
    unreadable,
    stopped,
    busy,

    async init(id) {
      if (busy.value) stop();
      const run = ++generation;
      tabId = id;
      batch(() => {
        clearRun();
        text.value = '';
        result.value = null;
        state.value = 'idle';
        unreadable.value = null;
      });
      const [stored, last] = await Promise.all([
        storage.get(LENGTH_KEY).catch(() => ({}) as Record<string, unknown>),
        client.getTabSummary(id).catch(() => null),
        refreshModelStatus(),
        // A failed check leaves Summarize on: the worker's answer to it then says what is wrong.
        client.getTabReadability(id).then(
          (answer) => {
            if (tabId === id) unreadable.value = answer.unreadable;
          },
          () => {},
        ),
      ]);
      const saved = stored[LENGTH_KEY];
      if (isSummaryLength(saved)) length.value = saved;
      // The user may have started a run while this loaded: theirs wins over the restored summary.
      if (run !== generation || !last) return;
      batch(() => {
        result.value = last;
        text.value = last.text;
        state.value = 'done';
      });
    },

    async setLength(value) {
      length.value = value;
      try {
        await storage.set({ [LENGTH_KEY]: value });
      } catch {
        // Not remembering a preference is no reason to interrupt the user.
      }
    },

    async summarize() {
      if (tabId === null || busy.value) return;
      const run = ++generation;
      batch(() => {
        clearRun();
        text.value = '';
        result.value = null;
        state.value = 'reading';
      });
      const current = client.summarize(tabId, length.value, onEvent(run));
      handle = current;
      try {
        const summary = await current.result;
        if (run !== generation) return;
        handle = null;
        batch(() => {
          result.value = summary;
          text.value = summary.text;
          download.value = null;
          part.value = null;
          state.value = 'done';
        });
        // The first run downloads the model; the first-use hint must not come back.
        await refreshModelStatus();
      } catch (thrown) {
        if (run !== generation) return;
        handle = null;
        if (isCancellation(thrown)) {
          batch(() => {
            clearRun();
            stopped.value = true;
            state.value = 'idle';
          });
          return;
        }
        batch(() => {
          download.value = null;
          part.value = null;
          error.value = toUiError(thrown);
          state.value = 'error';
        });
      }
    },

    stop,

    async copy() {
      const value = text.value;
      const clipboard = options.clipboard ?? globalThis.navigator?.clipboard;
      if (!value || !clipboard) return false;
      try {
        await clipboard.writeText(value);
        return true;
      } catch {
        return false;
      }
    },

    async openChat() {
      if (tabId !== null) await client.openSidePanel(tabId);
    },
  };
}
