import { createSettingsWriter } from '../../../src/handlers/settings-writer';
import type { ModelStatus, StreamHandle, SummaryLength, SummaryResult } from '../../../src/protocol';
import type { SummaryClient } from '../../../src/ui/summary-store';
import { createFakeStream, type FakeStream } from './fake-stream';

/** One `summarize` call as the fake worker sees it; the test plays the worker's part through it. */
export interface FakeRun extends FakeStream<SummaryResult | null> {
  tabId: number;
  /** The length asked for; null when the popup attached to a summary already being written. */
  length: SummaryLength | null;
}

/** A stand-in for the worker: answers from plain fields, and hands every run to the test to drive. */
export interface FakeSummaryClient extends SummaryClient {
  summaries: Map<number, SummaryResult>;
  /** Tabs with a summary being written in the worker. */
  running: Set<number>;
  /** Tabs the worker can't read, with its reason; every other tab is readable. */
  unreadable: Map<number, string>;
  status: ModelStatus;
  runs: FakeRun[];
  /** The latest run; throws if none started, so a test that forgot to start one fails loudly. */
  readonly run: FakeRun;
  /** Tabs the side panel was opened on. */
  openedPanels: number[];
}

/** The default model's status, as the worker reports it. */
export const qwen = (availability: ModelStatus['availability'] = 'available'): ModelStatus => ({
  modelId: 'qwen2.5-0.5b-instruct-q8',
  modelName: 'Qwen2.5 0.5B Instruct',
  availability,
  downloadBytes: 512_000_000,
  engine: { tier: 'wasm', name: 'WASM', modelName: 'Qwen2.5 0.5B Instruct' },
});

/** A finished summary of a sample article; `more` overrides any field. */
export function summaryOf(text: string, more: Partial<SummaryResult> = {}): SummaryResult {
  return {
    url: 'https://example.org/article',
    title: 'An article',
    length: 'standard',
    text,
    parts: 1,
    coverage: 1,
    tokensPerSecond: 12,
    engine: 'WASM',
    createdAt: 1_700_000_000_000,
    ...more,
  };
}

/** A fake worker whose model has the given status. */
export function createFakeSummaryClient(status: ModelStatus = qwen()): FakeSummaryClient {
  const runs: FakeRun[] = [];
  // Settings are written as the worker writes them, to the fake browser's storage.
  const settings = createSettingsWriter();
  const client: FakeSummaryClient = {
    summaries: new Map(),
    running: new Set(),
    unreadable: new Map(),
    status,
    runs,
    openedPanels: [],
    async openSidePanel(tabId) {
      client.openedPanels.push(tabId);
    },
    get run() {
      const last = runs.at(-1);
      if (!last) throw new Error('No summarize run was started.');
      return last;
    },
    getTabSummary: async ({ tabId }) => ({
      summary: client.summaries.get(tabId) ?? null,
      running: client.running.has(tabId),
    }),
    getTabReadability: async ({ tabId }) => ({ unreadable: client.unreadable.get(tabId) ?? null }),
    getModelStatus: async () => client.status,
    updateSettings: (change = {}) => settings.update(change),
    summarize({ tabId, length }, onEvent) {
      const { stream, handle } = createFakeStream<SummaryResult | null>(onEvent);
      runs.push(Object.assign(stream, { tabId, length }));
      return handle as StreamHandle<SummaryResult>;
    },
    attach: {
      summarize(tabId, onEvent) {
        const { stream, handle } = createFakeStream<SummaryResult | null>(onEvent);
        runs.push(Object.assign(stream, { tabId, length: null }));
        return handle;
      },
    },
  };
  return client;
}
