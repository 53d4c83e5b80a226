// @vitest-environment jsdom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, test, vi } from 'vitest';
import { App, type TabInfo } from '../../../popup/app';
import { AppError } from '../../../src/errors';
import type { StreamEvent, TabReadability } from '../../../src/protocol';
import { SummaryStoreContext } from '../../../src/ui/summary-context';
import { createSummaryStore } from '../../../src/ui/summary-store';
import { createFakeSummaryClient, type FakeSummaryClient, qwen, summaryOf } from './fake-summary-client';
import { useMountPoint } from './mount';

const TAB: TabInfo = { id: 3, title: 'How tides work', url: 'https://science.example/tides' };
const NOTES_FILE: TabInfo = { id: 5, title: 'Notes', url: 'file:///home/ana/notes.html' };
/** The worker's reason for a file without file access (the popup shows whatever the worker says). */
const NO_FILE_ACCESS =
  'To read files opened from your computer, turn on "Allow access to file URLs" on this extension’s details page (Manage extension), then reload this tab.';

const mount = useMountPoint();

const byTestId = (id: string) => mount.root.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const status = () => {
  const element = byTestId('status');
  return { state: element?.dataset.state, text: element?.textContent };
};
const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
/** Lets promise continuations, signal updates and the Markdown's frame all land. */
const flush = () => act(() => new Promise<void>((resolve) => setTimeout(resolve, 20)));

async function open(client: FakeSummaryClient = createFakeSummaryClient(), tab: TabInfo | null = TAB) {
  const store = createSummaryStore(client);
  await act(() =>
    render(
      <SummaryStoreContext.Provider value={store}>
        <App tab={tab} />
      </SummaryStoreContext.Provider>,
      mount.root,
    ),
  );
  await flush();
  return { client, store };
}

async function emit(client: FakeSummaryClient, ...events: StreamEvent[]) {
  await act(() => client.run.emit(...events));
}

async function click(id: string) {
  await act(() => byTestId(id)?.click());
}

describe('the popup', () => {
  test('opens ready, with the page, the controls and the privacy line', async () => {
    await open();
    expect(status()).toEqual({ state: 'idle', text: 'Ready' });
    expect(byTestId('summarize')?.tagName).toBe('BUTTON');
    expect(byTestId('summarize')?.hasAttribute('disabled')).toBe(false);
    expect(byTestId('summary')).not.toBeNull();
    expect(byTestId('stop')).toBeNull();
    expect(byTestId('status')?.getAttribute('aria-live')).toBe('polite');
    expect(mount.root.textContent).toContain('How tides work');
    expect(mount.root.textContent).toContain('science.example');
    expect(mount.root.textContent).toContain('Runs on your device. Nothing you read leaves your computer.');
    expect(byTestId('first-use')).toBeNull();
  });

  test('a click on Summarize as soon as the popup shows is not lost', async () => {
    const store = createSummaryStore(createFakeSummaryClient());
    // No act(): nothing runs between the render and the click but what render itself does.
    render(
      <SummaryStoreContext.Provider value={store}>
        <App tab={TAB} />
      </SummaryStoreContext.Provider>,
      mount.root,
    );
    byTestId('summarize')?.click();
    await flush();
    expect(status().state).toBe('reading');
  });

  test('tells about the one-time download before the first use', async () => {
    await open(createFakeSummaryClient(qwen('downloadable')));
    expect(byTestId('first-use')?.textContent).toBe(
      'First use downloads Qwen2.5 0.5B Instruct (512 MB) once; after that it works offline.',
    );
  });

  test('runs a summary: stop while working, the download in MB, parts, streamed Markdown, copy', async () => {
    const { client } = await open(createFakeSummaryClient(qwen('downloadable')));
    await click('summarize');
    expect(status().state).toBe('reading');
    expect(byTestId('stop')?.hasAttribute('disabled')).toBe(false);
    expect(byTestId('summarize')?.hasAttribute('disabled')).toBe(true);
    expect(byTestId('first-use')).toBeNull();

    await emit(client, { type: 'stage', stage: 'loading' });
    await emit(client, { type: 'modelProgress', progress: { files: [], loaded: 256e6, total: 512e6 } });
    expect(status()).toEqual({ state: 'loading', text: 'Downloading the model… 256 / 512 MB' });
    expect(mount.root.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow')).toBe('50');

    await emit(client, { type: 'stage', stage: 'generating', part: { index: 2, count: 4 } });
    expect(status()).toEqual({ state: 'generating', text: 'Reading part 2 of 4…' });

    await emit(client, { type: 'stage', stage: 'generating' }, { type: 'token', text: '- **Tides** follow' });
    await flush();
    expect(status().text).toBe('Writing the summary…');
    expect(byTestId('summary')?.querySelector('strong')?.textContent).toBe('Tides');

    client.status = qwen('available');
    await act(() =>
      client.run.finish(summaryOf('- **Tides** follow the moon.', { coverage: 0.6, parts: 4 })),
    );
    await flush();
    // Markdown draws once per animation frame.
    await nextFrame();
    expect(status()).toEqual({ state: 'done', text: 'Done · WASM' });
    expect(byTestId('stop')).toBeNull();
    expect(byTestId('summary')?.textContent?.trim()).toBe('Tides follow the moon.');
    expect(byTestId('coverage')?.textContent).toBe('Summary of the first 60% of this very long page.');
    expect(byTestId('copy')?.tagName).toBe('BUTTON');
    expect(byTestId('summarize')?.textContent).toBe('Summarize again');
  });

  test('stop keeps the text and leaves the popup idle', async () => {
    const { client } = await open();
    await click('summarize');
    await emit(client, { type: 'stage', stage: 'generating' }, { type: 'token', text: 'Half of it' });
    await click('stop');
    await flush();
    expect(status()).toEqual({ state: 'idle', text: 'Stopped. This summary is unfinished.' });
    expect(byTestId('stop')).toBeNull();
    expect(byTestId('summary')?.textContent?.trim()).toBe('Half of it');
    expect(client.run.stopped).toBe(true);
  });

  test('an error shows its message with Retry, which starts again', async () => {
    const { client } = await open();
    await click('summarize');
    await act(async () => {
      client.run.fail(
        new AppError('model-download', 'The model could not be downloaded. Check your connection.'),
      );
    });
    await flush();
    expect(status()).toEqual({
      state: 'error',
      text: 'The model could not be downloaded. Check your connection.',
    });
    expect(byTestId('error')?.dataset.code).toBe('model-download');

    await click('retry');
    expect(client.runs).toHaveLength(2);
    expect(status().state).toBe('reading');
  });

  test('an error retrying cannot fix has no Retry', async () => {
    const { client } = await open();
    await click('summarize');
    await act(async () => client.run.fail(new AppError('empty-page', 'This page has no text to summarize.')));
    await flush();
    expect(status().state).toBe('error');
    expect(byTestId('retry')).toBeNull();
  });

  test('shows the tab’s last summary when it opens', async () => {
    const client = createFakeSummaryClient();
    client.summaries.set(TAB.id, summaryOf('1. Earlier\n2. Summary'));
    await open(client);
    await nextFrame();
    expect(status()).toEqual({ state: 'done', text: 'Done · WASM' });
    expect(byTestId('summary')?.querySelectorAll('ol > li')).toHaveLength(2);
  });

  test('offers the side panel’s chat for the page, opened on this tab, and then closes', async () => {
    const close = vi.spyOn(window, 'close').mockImplementation(() => {});
    const { client } = await open();
    await click('open-chat');
    await flush();
    expect(client.openedPanels).toEqual([TAB.id]);
    expect(close).toHaveBeenCalledOnce();
  });

  test('remembers the chosen length through the store', async () => {
    const { client, store } = await open();
    const brief = mount.root.querySelector<HTMLInputElement>('input[value="brief"]');
    await act(() => brief?.click());
    expect(store.length.value).toBe('brief');
    await click('summarize');
    expect(client.run.length).toBe('brief');
  });

  test('a page the worker can’t read shows the worker’s reason once it answers, and cannot be summarized', async () => {
    const client = createFakeSummaryClient();
    let answer: (readability: TabReadability) => void = () => {};
    client.getTabReadability = () => new Promise((resolve) => (answer = resolve));
    await open(client, NOTES_FILE);
    // No guess of our own while the worker thinks it over.
    expect(mount.root.querySelector('.note')).toBeNull();

    await act(() => answer({ unreadable: NO_FILE_ACCESS }));
    await flush();
    expect(byTestId('unreadable')?.textContent).toBe(NO_FILE_ACCESS);
    expect(byTestId('summarize')?.hasAttribute('disabled')).toBe(true);
    expect(byTestId('open-chat')).toBeNull();
  });

  test('a local file the worker can read is summarized like any web page', async () => {
    const { client } = await open(createFakeSummaryClient(), NOTES_FILE);
    expect(byTestId('unreadable')).toBeNull();
    expect(byTestId('summarize')?.hasAttribute('disabled')).toBe(false);
    await click('summarize');
    expect(client.run.tabId).toBe(NOTES_FILE.id);
    expect(status().state).toBe('reading');
  });

  test('with no tab at all, says to open a page and cannot summarize', async () => {
    await open(createFakeSummaryClient(), null);
    expect(mount.root.textContent).toContain('Open a web page, then click Pagewise again.');
    expect(byTestId('summarize')?.hasAttribute('disabled')).toBe(true);
  });
});
