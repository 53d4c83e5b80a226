import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  OFFSCREEN_IDLE_ALARM,
  OFFSCREEN_PATH,
  OFFSCREEN_PORT,
} from '../../src/engine/backends/offscreen/protocol';
import { TEST_TINY_LLAMA } from '../../src/engine/registry';
import { longArticleHtml } from '../support/article';
import { type Browser, launchBrowser, type Site, serveSite } from './harness';
import { attachToOffscreen, type OffscreenTarget } from './offscreen-target';

/*
 * The `wasm-threads` tier, forced in Settings: the worker opens the offscreen document, which runs the
 * model on ORT's WASM threads, and the popup's summary streams from there through the worker.
 */

let browser: Browser;
let site: Site;
/** An extension page kept open to ask about contexts: it outlives worker restarts. */
let probe: Page;

beforeAll(async () => {
  site = await serveSite({
    '/article': longArticleHtml('The harbour, sixty years on', 800),
    '/second': longArticleHtml('The lighthouse keepers', 800),
    '/third': longArticleHtml('The ferry, at dawn', 800),
  });
  browser = await launchBrowser();
  probe = await browser.openExtensionPage('options/index.html');
  await probe.evaluate(() => chrome.storage.local.set({ settings: { engine: 'wasm-threads' } }));
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

/** The offscreen documents the worker sees, by id. */
const offscreenDocuments = () =>
  probe.evaluate(
    async (path) =>
      (
        await chrome.runtime.getContexts({
          contextTypes: ['OFFSCREEN_DOCUMENT' as chrome.runtime.ContextType],
          documentUrls: [chrome.runtime.getURL(path)],
        })
      ).map((context) => context.documentId),
    OFFSCREEN_PATH,
  );

/**
 * The threads ORT runs in the offscreen document, as the browser sees them: the document's own and each
 * pthread worker it started (Emscripten starts one per thread but the caller's, named `em-pthread`).
 */
async function ortThreads(host: OffscreenTarget): Promise<number> {
  const pthreads: string[] = [];
  host.on('Target.attachedToTarget', (params) => {
    const info = params.targetInfo as { targetId: string; type: string; title: string };
    if (info.type === 'worker' && info.title.startsWith('em-pthread')) pthreads.push(info.targetId);
  });
  // Existing workers are announced before this command returns.
  await host.send('Target.setAutoAttach', {
    autoAttach: true,
    waitForDebuggerOnStart: false,
    flatten: false,
  });
  return 1 + new Set(pthreads).size;
}

async function summarize(tabId: number): Promise<Page> {
  const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
  const status = popup.getByTestId('status');
  await expect.poll(() => status.getAttribute('data-state')).toBe('idle');
  await popup.getByTestId('summarize').click();
  await expect.poll(() => status.getAttribute('data-state'), { timeout: 240_000 }).toMatch(/done|error/);
  expect(await status.textContent()).not.toMatch(/error|couldn|could not/i);
  expect(await status.getAttribute('data-state')).toBe('done');
  // The forced tier is the one that ran, and the status says so.
  expect(await status.textContent()).toBe('Done · WASM, multi-threaded');
  return popup;
}

test('the offscreen threaded host summarizes, and its document is crossOriginIsolated', async () => {
  expect(await offscreenDocuments()).toEqual([]);
  const { tabId } = await browser.openTab(`${site.origin}/article`);
  const popup = await summarize(tabId);
  const summary = (await popup.getByTestId('summary').textContent()) ?? '';
  expect(summary.length).toBeGreaterThan(20);

  const documents = await offscreenDocuments();
  expect(documents).toHaveLength(1);
  const cdp = await browser.context.newCDPSession(popup);
  const host = await attachToOffscreen(cdp);
  expect(await host.evaluate('crossOriginIsolated')).toBe(true);
  // What the host reports is what runs: ORT's pthread workers, and the document's own thread.
  const threads = Number(await host.evaluate('document.getElementById("state").dataset.threads'));
  expect(threads).toBeGreaterThan(1);
  expect(await ortThreads(host)).toBe(threads);
  // The page computes only: it names no remote origin it loaded from.
  const remote = await host.evaluate(
    'performance.getEntriesByType("resource").map((entry) => entry.name).filter((name) => !name.startsWith(location.origin))',
  );
  expect(remote).toEqual([]);
  await host.detach();
  await cdp.detach();
  await popup.close();

  // Idle: an alarm closes the host later (set once the request ended); firing it now closes the document.
  const alarm = await browser.worker.evaluate((name) => chrome.alarms.get(name), OFFSCREEN_IDLE_ALARM);
  expect(alarm?.name).toBe(OFFSCREEN_IDLE_ALARM);
  await browser.worker.evaluate(
    // `dispatch` exists on Chrome's event objects but not in their typings.
    (name) =>
      (
        chrome.alarms.onAlarm as unknown as { dispatch(alarm: { name: string; scheduledTime: number }): void }
      ).dispatch({
        name,
        scheduledTime: Date.now(),
      }),
    OFFSCREEN_IDLE_ALARM,
  );
  await expect.poll(offscreenDocuments, { timeout: 10_000 }).toEqual([]);
});

test('a worker stopped by Chrome finds the host again; a closed host is opened again', async () => {
  await (await summarize((await browser.openTab(`${site.origin}/second`)).tabId)).close();
  const [host] = await offscreenDocuments();
  expect(host).toBeTruthy();

  await browser.stopWorker();
  await (await summarize((await browser.openTab(`${site.origin}/third`)).tabId)).close();
  // The same document served the new worker: the model stayed loaded across the restart.
  expect(await offscreenDocuments()).toEqual([host]);
});

test('a model loaded later, asked for on another thread count, reports the threads ORT runs', async () => {
  expect(await offscreenDocuments()).toHaveLength(1);
  // ORT started its threads with the first model; another model asked for on more threads is told apart
  // from it by its id only, so the host loads it in the same runtime.
  const state = await browser.worker.evaluate(
    ({ name, model }) =>
      new Promise<{ numThreads: number }>((resolve, reject) => {
        const port = chrome.runtime.connect({ name });
        port.onMessage.addListener((m: { kind: string; state?: { numThreads: number }; error?: unknown }) => {
          if (m.kind === 'ready') port.postMessage({ kind: 'load', model, numThreads: 5 });
          if (m.kind === 'loaded' && m.state) resolve(m.state);
          if (m.kind === 'loadFailed') reject(new Error(JSON.stringify(m.error)));
        });
      }),
    { name: OFFSCREEN_PORT, model: { ...TEST_TINY_LLAMA, id: `${TEST_TINY_LLAMA.id}-again` } },
  );
  const page = await browser.openExtensionPage('options/index.html');
  const cdp = await browser.context.newCDPSession(page);
  const host = await attachToOffscreen(cdp);
  expect(await ortThreads(host)).toBe(state.numThreads);
  await host.detach();
  await cdp.detach();
  await page.close();
});
