// @vitest-environment jsdom
import { fakeBrowser } from '@webext-core/fake-browser';
import { describe, expect, test } from 'vitest';
import { AppError, type ErrorCode } from '../../../src/errors';
import { createSummaryStore, type SummaryStore } from '../../../src/ui/summary-store';
import { createFakeSummaryClient, type FakeSummaryClient, qwen, summaryOf } from './fake-summary-client';

const TAB = 7;

/** Lets the store take in what the fake worker just did (promise continuations, the stop's timer). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1));

/** The store as a user would read it in one glance. */
const view = (store: SummaryStore) => ({
  state: store.state.value,
  status: store.statusText.value,
  text: store.text.value,
});

async function ready(client: FakeSummaryClient = createFakeSummaryClient()) {
  const store = createSummaryStore(client);
  await store.init(TAB);
  return { client, store };
}

describe('a normal run', () => {
  test('goes reading, loading, writing, done, streaming the text', async () => {
    const { client, store } = await ready();
    expect(view(store)).toEqual({ state: 'idle', status: 'Ready', text: '' });

    const done = store.summarize();
    expect(client.run).toMatchObject({ tabId: TAB, length: 'standard' });
    expect(store.busy.value).toBe(true);

    client.run.emit({ type: 'stage', stage: 'reading' });
    expect(view(store)).toMatchObject({ state: 'reading', status: 'Reading the page…' });
    client.run.emit({ type: 'stage', stage: 'loading' });
    expect(view(store)).toMatchObject({ state: 'loading', status: 'Loading the model…' });
    expect(store.progress.value).toBeNull();
    client.run.emit({ type: 'stage', stage: 'generating' });
    expect(view(store)).toMatchObject({ state: 'generating', status: 'Writing the summary…' });

    client.run.emit({ type: 'token', text: '- First' }, { type: 'token', text: ' point' });
    expect(store.text.value).toBe('- First point');

    client.run.finish(summaryOf('- First point\n- Second point'));
    await done;
    expect(view(store)).toEqual({
      state: 'done',
      status: 'Done · WASM',
      text: '- First point\n- Second point',
    });
    expect(store.busy.value).toBe(false);
    expect(store.coverage.value).toBe(1);
    expect(store.parts.value).toBe(1);
  });

  test('a long page is read in parts, and the coverage of a cut page is kept', async () => {
    const { client, store } = await ready();
    const done = store.summarize();
    client.run.emit(
      { type: 'stage', stage: 'reading' },
      { type: 'stage', stage: 'loading' },
      { type: 'stage', stage: 'generating', part: { index: 1, count: 5 } },
      { type: 'stage', stage: 'generating', part: { index: 2, count: 5 } },
    );
    expect(view(store)).toMatchObject({ state: 'generating', status: 'Reading part 2 of 5…' });
    expect(store.part.value).toEqual({ index: 2, count: 5 });

    client.run.emit({ type: 'stage', stage: 'generating' });
    expect(store.part.value).toBeNull();
    expect(store.statusText.value).toBe('Writing the summary…');

    client.run.finish(summaryOf('Notes.', { parts: 5, coverage: 0.6 }));
    await done;
    expect(store.parts.value).toBe(5);
    expect(store.coverage.value).toBe(0.6);
  });

  test('the first run shows the download in megabytes, then the model counts as available', async () => {
    const client = createFakeSummaryClient(qwen('downloadable'));
    const { store } = await ready(client);
    expect(store.modelStatus.value?.availability).toBe('downloadable');

    const done = store.summarize();
    client.run.emit({ type: 'stage', stage: 'reading' }, { type: 'stage', stage: 'loading' });
    client.run.emit({
      type: 'modelProgress',
      progress: {
        files: [{ name: 'onnx/model_quantized.onnx', loaded: 123e6, total: 512e6 }],
        loaded: 123e6,
        total: 512e6,
      },
    });
    expect(view(store)).toMatchObject({ state: 'loading', status: 'Downloading the model… 123 / 512 MB' });
    expect(store.progress.value).toBeCloseTo(123 / 512);

    client.run.emit({ type: 'stage', stage: 'generating' });
    expect(store.progress.value).toBeNull();
    expect(store.download.value).toBeNull();

    client.status = qwen('available');
    client.run.finish(summaryOf('Done.'));
    await done;
    expect(store.modelStatus.value?.availability).toBe('available');
  });
});

describe('errors', () => {
  test.each<[ErrorCode, boolean]>([
    ['model-download', true],
    ['page-unreachable', true],
    ['worker-stopped', true],
    ['empty-page', false],
    ['unreadable-page', false],
  ])('a %s error shows its message (retryable: %s)', async (code, retryable) => {
    const { client, store } = await ready();
    const done = store.summarize();
    client.run.emit({ type: 'stage', stage: 'reading' });
    client.run.fail(new AppError(code, 'What happened, and what to do.'));
    await done;
    expect(view(store)).toMatchObject({ state: 'error', status: 'What happened, and what to do.' });
    expect(store.error.value).toEqual({ message: 'What happened, and what to do.', code, retryable });
    expect(store.busy.value).toBe(false);
  });

  test('an unexpected error still reads as a message, and a retry starts afresh', async () => {
    const { client, store } = await ready();
    const first = store.summarize();
    client.run.fail(new Error('boom'));
    await first;
    expect(store.error.value).toMatchObject({ code: 'internal', retryable: true });
    expect(store.statusText.value).toContain('boom');

    const retry = store.summarize();
    expect(client.runs).toHaveLength(2);
    expect(store.error.value).toBeNull();
    expect(store.state.value).toBe('reading');
    client.run.finish(summaryOf('Better.'));
    await retry;
    expect(view(store)).toMatchObject({ state: 'done', text: 'Better.' });
  });

  test('a cancellation from the worker is not an error', async () => {
    const { client, store } = await ready();
    const done = store.summarize();
    client.run.fail(new AppError('cancelled', 'Stopped.'));
    await done;
    expect(store.state.value).toBe('idle');
    expect(store.error.value).toBeNull();
  });
});

describe('stop', () => {
  test('keeps the text written so far and says it is unfinished', async () => {
    const { client, store } = await ready();
    const done = store.summarize();
    client.run.emit({ type: 'stage', stage: 'generating' }, { type: 'token', text: 'Half a sen' });

    store.stop();
    expect(client.run.stopped).toBe(true);
    expect(view(store)).toEqual({
      state: 'idle',
      status: 'Stopped. This summary is unfinished.',
      text: 'Half a sen',
    });
    expect(store.stopped.value).toBe(true);

    // What the worker still sends after the stop changes nothing.
    client.run.emit({ type: 'token', text: 'tence' });
    await done;
    await settle();
    expect(view(store)).toMatchObject({ state: 'idle', text: 'Half a sen' });
    expect(store.error.value).toBeNull();
  });

  test('before any text it just says Stopped, and a new run can start at once', async () => {
    const { client, store } = await ready();
    void store.summarize();
    store.stop();
    expect(store.statusText.value).toBe('Stopped');

    const again = store.summarize();
    expect(client.runs).toHaveLength(2);
    await settle(); // the first run's cancellation arrives now, and must not end the second
    expect(store.state.value).toBe('reading');
    client.run.finish(summaryOf('Fine.'));
    await again;
    expect(view(store)).toMatchObject({ state: 'done', text: 'Fine.' });
  });

  test('does nothing when nothing runs', async () => {
    const { store } = await ready();
    store.stop();
    expect(view(store)).toMatchObject({ state: 'idle', status: 'Ready' });
  });
});

describe('init', () => {
  test('restores the tab’s last summary', async () => {
    const client = createFakeSummaryClient();
    client.summaries.set(TAB, summaryOf('Restored.', { parts: 3, coverage: 0.5 }));
    const { store } = await ready(client);
    expect(view(store)).toEqual({ state: 'done', status: 'Done · WASM', text: 'Restored.' });
    expect(store.coverage.value).toBe(0.5);
    expect(store.result.value?.title).toBe('An article');
    expect(client.runs).toHaveLength(0);
  });

  test('a run started while init loads wins over the restored summary', async () => {
    const client = createFakeSummaryClient();
    client.summaries.set(TAB, summaryOf('Old.'));
    const store = createSummaryStore(client);
    const init = store.init(TAB);
    void store.summarize();
    await init;
    expect(store.state.value).toBe('reading');
    expect(store.text.value).toBe('');
  });

  test('a worker that does not answer leaves the popup usable', async () => {
    const client = createFakeSummaryClient();
    client.getTabSummary = () => Promise.reject(new Error('Could not establish connection'));
    client.getModelStatus = () => Promise.reject(new Error('Could not establish connection'));
    const { store } = await ready(client);
    expect(view(store)).toMatchObject({ state: 'idle', status: 'Ready' });
    expect(store.modelStatus.value).toBeNull();
  });

  test('summarize does nothing before init names a tab', async () => {
    const client = createFakeSummaryClient();
    await createSummaryStore(client).summarize();
    expect(client.runs).toHaveLength(0);
  });
});

describe('length', () => {
  test('is remembered in the settings for the next popup', async () => {
    const { client, store } = await ready();
    expect(store.length.value).toBe('standard');
    await store.setLength('brief');
    expect(await fakeBrowser.storage.local.get('settings')).toMatchObject({
      settings: { summaryLength: 'brief' },
    });

    const next = createSummaryStore(client);
    await next.init(TAB);
    expect(next.length.value).toBe('brief');
    void next.summarize();
    expect(client.run.length).toBe('brief');
  });

  test('a stored value that is not a length is ignored', async () => {
    await fakeBrowser.storage.local.set({ settings: { summaryLength: 'enormous' } });
    const { store } = await ready();
    expect(store.length.value).toBe('standard');
  });

  test('a length saved under the old key before settings existed is kept, and moved into settings', async () => {
    await fakeBrowser.storage.local.set({ summaryLength: 'detailed' });
    const { store } = await ready();
    expect(store.length.value).toBe('detailed');
    await store.setLength('detailed');
    expect(await fakeBrowser.storage.local.get(null)).toMatchObject({
      settings: { summaryLength: 'detailed' },
    });
    expect(await fakeBrowser.storage.local.get('summaryLength')).toEqual({});
  });
});

describe('copy', () => {
  test('copies the Markdown the summary exports: the page, the engine, then the text as shown', async () => {
    const copied: string[] = [];
    const client = createFakeSummaryClient();
    client.summaries.set(TAB, summaryOf('**Key** point'));
    const store = createSummaryStore(client, {
      clipboard: { writeText: async (text) => void copied.push(text) },
    });
    await store.init(TAB);
    await expect(store.copy()).resolves.toBe(true);
    const file = store.exportFile();
    expect(copied).toEqual([file?.text]);
    expect(file?.text).toMatch(/\n\*\*Key\*\* point\n$/);
    expect(file?.name).toMatch(/\.md$/);
  });

  test('says so when there is nothing to copy or the clipboard refuses', async () => {
    const refusing = { writeText: () => Promise.reject(new Error('Document is not focused.')) };
    const client = createFakeSummaryClient();
    const empty = createSummaryStore(client, { clipboard: refusing });
    await empty.init(TAB);
    await expect(empty.copy()).resolves.toBe(false);

    client.summaries.set(TAB, summaryOf('Text'));
    const store = createSummaryStore(client, { clipboard: refusing });
    await store.init(TAB);
    await expect(store.copy()).resolves.toBe(false);
  });
});

describe('reading a long prompt', () => {
  test.each([
    ['one pass', null, 'Reading the page… 25%'],
    ['part 2 of 3', { index: 2, count: 3 }, 'Reading part 2 of 3… 25%'],
  ])('%s says how much of the prompt is read, until the first words', async (_, part, status) => {
    const { client, store } = await ready();
    void store.summarize();
    client.run.emit(
      part ? { type: 'stage', stage: 'generating', part } : { type: 'stage', stage: 'generating' },
      { type: 'promptProgress', done: 128, total: 512 },
    );
    expect(view(store)).toMatchObject({ state: 'generating', status });
    expect(store.promptRead.value).toEqual({ done: 128, total: 512 });
    client.run.emit({ type: 'token', text: 'Tides' });
    expect(store.promptRead.value).toBeNull();
    if (!part) expect(store.statusText.value).toBe('Writing the summary…');
  });
});

describe('a summary that outlives the popup', () => {
  test('a reopened popup attaches to the summary being written and follows it to the end', async () => {
    const client = createFakeSummaryClient();
    client.running.add(TAB);
    const { store } = await ready(client);
    await settle();
    expect(client.run).toMatchObject({ tabId: TAB, length: null });
    // The worker first replays what the closed popup missed.
    client.run.emit(
      { type: 'stage', stage: 'generating', part: { index: 2, count: 3 } },
      { type: 'promptProgress', done: 300, total: 600 },
    );
    expect(view(store)).toMatchObject({ state: 'generating', status: 'Reading part 2 of 3… 50%' });
    expect(store.busy.value).toBe(true);
    client.run.emit({ type: 'stage', stage: 'generating' }, { type: 'token', text: '- Tides' });
    client.run.finish(summaryOf('- Tides rise twice a day.'));
    await settle();
    expect(view(store)).toEqual({ state: 'done', status: 'Done · WASM', text: '- Tides rise twice a day.' });
  });

  test('one that ended before the popup could attach shows as remembered', async () => {
    const client = createFakeSummaryClient();
    client.running.add(TAB);
    const { store } = await ready(client);
    await settle();
    client.running.delete(TAB);
    client.summaries.set(TAB, summaryOf('- Finished meanwhile.'));
    client.run.finish(null);
    await settle();
    expect(view(store)).toEqual({ state: 'done', status: 'Done · WASM', text: '- Finished meanwhile.' });
  });

  test('Stop in the reopened popup stops the worker’s run', async () => {
    const client = createFakeSummaryClient();
    client.running.add(TAB);
    const { store } = await ready(client);
    await settle();
    client.run.emit({ type: 'stage', stage: 'generating' }, { type: 'token', text: 'Half' });
    store.stop();
    expect(client.run.stopped).toBe(true);
    expect(view(store)).toEqual({
      state: 'idle',
      status: 'Stopped. This summary is unfinished.',
      text: 'Half',
    });
  });
});

describe('waiting in the queue', () => {
  test('says what the model is busy with, has its Stop, and moves on when its turn comes', async () => {
    const { client, store } = await ready();
    void store.summarize();
    client.run.emit({
      type: 'waiting',
      ahead: { kind: 'chat', sameTab: false, part: null },
    });
    expect(view(store)).toMatchObject({
      state: 'loading',
      status: 'Waiting: answering a question about another tab',
    });
    expect(store.busy.value).toBe(true);
    client.run.emit({ type: 'stage', stage: 'generating' });
    expect(view(store)).toMatchObject({ state: 'generating', status: 'Writing the summary…' });
    store.stop();
    expect(client.run.stopped).toBe(true);
  });
});
