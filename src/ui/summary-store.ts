import { batch, computed, type ReadonlySignal, signal } from '@preact/signals';
import browser from 'webextension-polyfill';
import { openSidePanel } from '../browser-features';
import { t } from '../i18n';
import {
  createWorkerClient,
  type DownloadProgress,
  type ModelStatus,
  type StreamEvent,
  type StreamHandle,
  type SummaryLength,
  type SummaryResult,
  type WorkerClientPart,
} from '../protocol';
import { loadSettings, type SettingsStorage } from '../settings';
import { type ExportFile, type ExportPage, exportFileName, summaryMarkdown } from './export-markdown';
import { doneText, loadingText, readingText, type UiError, waitingText } from './model-status';
import { copyText, createStreamRun, type PromptRead, type RunState, readPercent } from './stream-run';

/** The part of the worker the summary UI uses, and the side panel it opens; tests stand in for both. */
export type SummaryClient = WorkerClientPart<
  'getTabSummary' | 'getTabReadability' | 'getModelStatus' | 'updateSettings',
  'summarize'
> & {
  /** Opens the side panel on the tab (inside the click that asked for it). */
  openSidePanel(tabId: number): Promise<void>;
};

/** The client that talks to the real worker and opens the real side panel. */
export function createSummaryClient(): SummaryClient {
  return { ...createWorkerClient(), openSidePanel };
}

/** Where the length preference lives (in the settings); `browser.storage.local` unless a test passes another. */
export type PreferenceStorage = SettingsStorage;

/** Stand-ins for the browser's storage and clipboard (tests); the real ones by default. */
export interface SummaryStoreOptions {
  storage?: PreferenceStorage;
  clipboard?: Pick<Clipboard, 'writeText'>;
}

/** State and actions of the summary UI; shared by the popup and, later, the side panel. */
export interface SummaryStore {
  readonly state: ReadonlySignal<RunState>;
  /** One readable line for every state. */
  readonly statusText: ReadonlySignal<string>;
  /** Model download fraction (0..1) while it downloads, else null. */
  readonly progress: ReadonlySignal<number | null>;
  /** The latest download report, in bytes, while the model downloads. */
  readonly download: ReadonlySignal<DownloadProgress | null>;
  /** The part being read while a long page is read in parts. */
  readonly part: ReadonlySignal<{ index: number; count: number } | null>;
  /** How much of the current prompt the model has read. */
  readonly promptRead: ReadonlySignal<PromptRead | null>;
  /** The summary's Markdown, streamed while it is written. */
  readonly text: ReadonlySignal<string>;
  readonly length: ReadonlySignal<SummaryLength>;
  readonly error: ReadonlySignal<UiError | null>;
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
  /** Summarizes the tab's page (a protected PDF with its password); settles when the run ends, never rejects. */
  summarize(password?: string): Promise<void>;
  /** Stops the run, keeping what was written so far. */
  stop(): void;
  /** Summarizes again after a failure. */
  retry(): Promise<void>;
  /**
   * The summary as a Markdown file: the page (`page` where the summary does not name it), the date, the
   * model and engine, and the text as shown. Null while there is no text.
   */
  exportFile(page?: ExportPage): ExportFile | null;
  /** Copies the same Markdown as {@link exportFile}; false when there is nothing to copy or it failed. */
  copy(page?: ExportPage): Promise<boolean>;
  /** Opens the side panel's chat on the tab; call it straight from a click (a user gesture). */
  openChat(): Promise<void>;
}

/** Creates the summary store over a client (the worker's, by default through `createSummaryClient`). */
export function createSummaryStore(
  client: SummaryClient = createSummaryClient(),
  options: SummaryStoreOptions = {},
): SummaryStore {
  const storage = options.storage ?? browser.storage.local;
  const run = createStreamRun<SummaryResult | null>();
  const length = signal<SummaryLength>('standard');
  const result = signal<SummaryResult | null>(null);
  // The engine named by a finished summary: a restored one has no run to say it.
  const restoredEngine = signal<string | null>(null);
  const modelStatus = signal<ModelStatus | null>(null);
  const unreadable = signal<string | null>(null);
  // The text as the worker settled it (a finished or a restored summary) replaces what the run streamed.
  const settled = signal<string | null>(null);
  let tabId: number | null = null;

  const text = computed(() => settled.value ?? run.text.value);

  const statusText = computed(() => {
    switch (run.state.value) {
      case 'idle':
        if (!run.stopped.value) return t('status_ready');
        return text.value ? t('status_summary_stopped') : t('status_stopped');
      case 'loading': {
        const waiting = run.waiting.value;
        if (waiting) return waitingText(waiting.ahead);
        return loadingText(run.download.value, modelStatus.value?.availability);
      }
      case 'reading':
        return readingText(run.pdfRead.value);
      case 'generating': {
        const part = run.part.value;
        const read = run.promptRead.value;
        if (part && run.writing.value) return t('status_part_key_points', part.index, part.count);
        if (part)
          return read
            ? t('status_part_reading_percent', part.index, part.count, readPercent(read))
            : t('status_part_reading', part.index, part.count);
        return read ? t('status_reading_percent', readPercent(read)) : t('status_writing_summary');
      }
      case 'done':
        return doneText(run.engine.value ?? restoredEngine.value);
      case 'error':
        return run.error.value?.message ?? t('error_unknown');
    }
  });

  const refreshModelStatus = async () => {
    try {
      modelStatus.value = await client.getModelStatus();
    } catch {
      // The status only decides a hint; the UI works without it.
    }
  };

  const exportFile = (page: ExportPage = {}): ExportFile | null => {
    const body = text.value;
    if (!body) return null;
    const summary = result.value;
    const date = new Date(summary?.createdAt ?? Date.now());
    const title = summary?.title || page.title || '';
    const ran = run.engine.value;
    const markdown = summaryMarkdown({
      title,
      url: summary?.url || page.url || '',
      date,
      engine: {
        model: ran?.modelName ?? modelStatus.value?.modelName ?? null,
        engine: ran?.name ?? restoredEngine.value,
      },
      text: body,
      links: summary?.links,
    });
    return { name: exportFileName(title, date), text: markdown };
  };

  const show = (summary: SummaryResult) => {
    batch(() => {
      restoredEngine.value = summary.engine;
      result.value = summary;
      settled.value = summary.text;
      run.finish();
    });
  };

  /** Follows a run to its end: one this store started, or one the worker was already writing. */
  const follow = async (
    id: number,
    open: (onEvent: (event: StreamEvent) => void) => StreamHandle<SummaryResult | null>,
  ) => {
    batch(() => {
      result.value = null;
      settled.value = null;
    });
    const ended = await run.begin(open);
    switch (ended.kind) {
      case 'done':
        if (ended.result) {
          show(ended.result);
          // The first run downloads the model; the first-use hint must not come back.
          await refreshModelStatus();
        } else {
          // It ended before this store could attach: show what it left.
          run.reset();
          await restore(id);
        }
        break;
      case 'cancelled':
        run.markStopped();
        break;
      case 'failed':
        run.fail(ended.error, () => summarize());
        break;
    }
  };

  /** Shows the tab's last summary, or attaches to the one being written; false when there is neither. */
  const restore = async (id: number) => {
    const epoch = run.epoch();
    const tab = await client.getTabSummary({ tabId: id }).catch(() => null);
    // The user may have started a run while this loaded: theirs wins over the restored summary.
    if (epoch !== run.epoch() || tabId !== id || !tab) return;
    if (tab.running) void follow(id, (onEvent) => client.attach.summarize(id, onEvent));
    else if (tab.summary) show(tab.summary);
  };

  const summarize = async (password?: string) => {
    if (tabId === null || run.running.value) return;
    const id = tabId;
    const request = { tabId: id, length: length.value, ...(password ? { password } : {}) };
    await follow(id, (onEvent) => client.summarize(request, onEvent));
  };

  return {
    state: run.state,
    statusText,
    progress: run.progress,
    download: run.download,
    part: run.part,
    promptRead: run.promptRead,
    text,
    length,
    error: run.error,
    result,
    coverage: computed(() => result.value?.coverage ?? null),
    parts: computed(() => result.value?.parts ?? null),
    modelStatus,
    unreadable,
    stopped: run.stopped,
    busy: run.running,

    async init(id) {
      void run.abandon();
      tabId = id;
      batch(() => {
        run.reset();
        result.value = null;
        settled.value = '';
        unreadable.value = null;
      });
      const [stored] = await Promise.all([
        loadSettings(storage).catch(() => null),
        restore(id),
        refreshModelStatus(),
        // A failed check leaves Summarize on: the worker's answer to it then says what is wrong.
        client.getTabReadability({ tabId: id }).then(
          (answer) => {
            if (tabId === id) unreadable.value = answer.unreadable;
          },
          () => {},
        ),
      ]);
      if (stored) length.value = stored.summaryLength;
    },

    async setLength(value) {
      length.value = value;
      try {
        await client.updateSettings({ summaryLength: value });
      } catch {
        // Not remembering a preference is no reason to interrupt the user.
      }
    },

    summarize,
    stop: run.stop,
    retry: run.retry,
    exportFile,
    copy: (page) => copyText(exportFile(page)?.text ?? '', options.clipboard),

    async openChat() {
      if (tabId !== null) await client.openSidePanel(tabId);
    },
  };
}
