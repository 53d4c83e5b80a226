import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TEST_DECODER_DIR, TEST_ENCODER_DIR } from '../../scripts/test-models';
import { MULTILINGUAL_E5_SMALL, QWEN25_05B } from '../../src/engine/registry';
import { type LlamaServer, startLlamaServer } from '../llama-server/server';
import { longArticleHtml } from '../support/article';
import { createStandInHub } from '../support/stand-in-hub';
import { twoColumnPaper } from '../support/test-pdfs';
import {
  type Browser,
  closeOffscreenDocument,
  launchBrowser,
  PRODUCTION_BUILD_DIR,
  type Site,
  serveSite,
} from './harness';
import { type NetworkRecorder, type RecordedRequest, recordNetwork } from './network-recorder';

/*
 * The privacy proof. The production build, as users install it, goes through a summary, an ask (the
 * right-click menu) and a chat while every request the browser makes, from every target, is recorded over
 * CDP (network-recorder: every target held at its start until watched). The only requests allowed are model
 * files from the hub (answered here by a stand-in hub: the generated test models under the real models'
 * names) and the page the test reads; chrome-extension:, data: and blob: are not network. Then the network
 * is cut on every target, the worker starts again from nothing, and the same flows make no request outside
 * the extension at all. It runs on both CPU tiers, picked in Settings as a user would: `wasm` runs the
 * model in the service worker, `wasm-threads` in the offscreen document and its thread workers. Last, the
 * local-server tier: page text goes to the connected loopback server only, from the worker, and to no one else.
 */

/**
 * The stand-in hub: the generated test models under the real models' names, with the tree API (sizes,
 * SHA-256) and byte ranges as the hub serves them.
 */
const HUB_MODELS = [
  { spec: QWEN25_05B, dir: TEST_DECODER_DIR },
  { spec: MULTILINGUAL_E5_SMALL, dir: TEST_ENCODER_DIR },
];
const HUBS = HUB_MODELS.map(({ spec, dir }) => createStandInHub(spec.repo, dir));
const HUB_PREFIXES = HUB_MODELS.map(({ spec }) => `https://huggingface.co/${spec.repo}/resolve/`);
/** The file lists (sizes and SHA-256) the downloader checks every file against: also about model files. */
const TREE_PREFIXES = HUB_MODELS.map(({ spec }) => `https://huggingface.co/api/models/${spec.repo}/tree/`);

/** Not network at all: the extension's own files, inline data, in-memory blobs, the browser's own UI. */
const NOT_NETWORK = new Set(['chrome-extension:', 'data:', 'blob:', 'chrome:', 'about:']);

/** Where the chat model runs on each tier: the target type that downloads its weights. */
const WEIGHTS_TARGET = { wasm: 'service_worker', 'wasm-threads': 'background_page' } as const;

let site: Site;

beforeAll(async () => {
  // Long enough to be split into more passages than an answer uses: the embedding model is downloaded too.
  site = await serveSite({
    '/article': longArticleHtml('The harbour, sixty years on', 6_000),
    // A PDF flow too: its bytes are read in its tab (same origin), cMaps come from the worker.
    '/paper.pdf': { type: 'application/pdf', body: twoColumnPaper() },
  });
});

afterAll(async () => {
  await site?.close();
});

/** `host (target type): count`, for the report. */
function byHost(requests: readonly RecordedRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of requests) {
    const url = new URL(request.url);
    const host = url.protocol === 'http:' || url.protocol === 'https:' ? url.host : url.protocol;
    const key = `${host} (${request.targetType})`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

const state = (page: Page) => page.getByTestId('status').getAttribute('data-state');

/** Waits for the page's run to end, and fails at once, with the status text, if it ended in an error. */
async function expectDone(page: Page) {
  await expect.poll(() => state(page), { timeout: 180_000 }).toMatch(/^(done|error)$/);
  expect(await state(page), (await page.getByTestId('status').textContent()) ?? '').toBe('done');
}

/** Summary, ask and chat, as a user does them; each must end done. */
async function summaryAskChat(browser: Browser, tabId: number, page: Page) {
  const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
  await popup.getByTestId('summarize').click();
  await expectDone(popup);
  await popup.close();

  const selection = await page.evaluate(() => {
    const paragraph = document.querySelectorAll('p')[1];
    if (!paragraph) throw new Error('No paragraph to select');
    const range = document.createRange();
    range.selectNodeContents(paragraph);
    getSelection()?.removeAllRanges();
    getSelection()?.addRange(range);
    return getSelection()?.toString() ?? '';
  });
  // The real context-menu listener, fired as Chrome fires it: "Explain" answers at once.
  await browser.worker.evaluate(
    async ({ tabId, selectionText }) => {
      const tab = await chrome.tabs.get(tabId);
      (chrome.contextMenus.onClicked as unknown as { dispatch(...args: unknown[]): void }).dispatch(
        { menuItemId: 'ask-selection-explain', selectionText, editable: false, pageUrl: tab.url },
        tab,
      );
    },
    { tabId, selectionText: selection },
  );
  const panel = await browser.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
  const answers = panel.locator('[data-testid="chat-message"][data-role="assistant"]');
  await expect.poll(() => answers.count(), { timeout: 60_000 }).toBeGreaterThan(0);
  await expectDone(panel);
  const before = await answers.count();

  await panel.getByTestId('chat-input').fill('Who still works at the harbour?');
  await panel.getByTestId('chat-input').press('Enter');
  await expect.poll(() => answers.count(), { timeout: 60_000 }).toBe(before + 1);
  await expectDone(panel);
  expect(await answers.last().getAttribute('data-status')).toBe('complete');
  await panel.close();
}

/** A PDF's summary and a question about it; each must end done. */
async function pdfSummaryAndChat(browser: Browser, tabId: number) {
  const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
  await popup.getByTestId('summarize').click();
  await expectDone(popup);
  await popup.close();
  const panel = await browser.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
  await panel.getByTestId('chat-input').fill('Where does the lighthouse keeper store saffron?');
  await panel.getByTestId('chat-input').press('Enter');
  await expectDone(panel);
  await panel.close();
}

/** Fetches one of the extension's own files, on purpose, so the recorder must see it. */
const fetchOwnFile = (marker: string) =>
  fetch(chrome.runtime.getURL(`manifest.json?${marker}`)).then((response) => response.ok);

describe.each(['wasm', 'wasm-threads'] as const)('on the %s tier', (tier) => {
  let browser: Browser;
  let recorder: NetworkRecorder;
  let hub: 'stand-in' | 'offline' = 'stand-in';

  beforeAll(async () => {
    browser = await launchBrowser(PRODUCTION_BUILD_DIR);
    recorder = await recordNetwork(browser, ({ url, range }) => {
      if (hub === 'offline') return 'disconnected';
      const path = new URL(url).pathname;
      const answer =
        HUBS.map((one) => one.answer(path, range)).find((found) => found.status !== 404) ??
        HUBS[0]?.answer(path, range);
      return answer ?? { status: 404, headers: {}, body: Buffer.from('Entry not found') };
    });
    const settings = await browser.openExtensionPage('options/index.html');
    await settings.evaluate((engine) => chrome.storage.local.set({ settings: { engine } }), tier);
    await settings.close();
    // The worker started with the browser, before the recorder: from here on it runs watched.
    await browser.stopWorker();
  });

  afterAll(async () => {
    recorder?.stop();
    await browser?.close();
  });

  /** Whether a request is one the privacy promise allows while online. */
  const allowedOnline = (request: RecordedRequest) => {
    const url = new URL(request.url);
    if (NOT_NETWORK.has(url.protocol)) return true;
    if (url.origin === site.origin) return true;
    return [...HUB_PREFIXES, ...TREE_PREFIXES].some((prefix) => request.url.startsWith(prefix));
  };

  test('every request, from every target, through summary, ask and chat: only model files; then offline, none', async () => {
    const { page, tabId } = await browser.openTab(`${site.origin}/article`);
    await summaryAskChat(browser, tabId, page);
    const pdf = await browser.openTab(`${site.origin}/paper.pdf`);
    await pdfSummaryAndChat(browser, pdf.tabId);
    const online = [...recorder.requests];

    const hubFiles = online.filter((r) => HUB_PREFIXES.some((prefix) => r.url.startsWith(prefix)));
    // Both models came from the (stand-in) hub: the chat model's weights to where the tier runs it.
    const weights = hubFiles.filter(
      (r) => r.url.endsWith('/onnx/model_quantized.onnx') && r.url.includes(QWEN25_05B.repo),
    );
    expect(weights.map((r) => r.targetType)).toEqual([WEIGHTS_TARGET[tier]]);
    expect(hubFiles.some((r) => r.url.includes(MULTILINGUAL_E5_SMALL.repo))).toBe(true);
    // Once each: the file lists and every file, none fetched twice.
    const hubUrls = online.filter((r) => r.url.startsWith('https://')).map((r) => r.url);
    expect(hubUrls.filter((url, i) => hubUrls.indexOf(url) !== i)).toEqual([]);
    // Model files go to the worker or the offscreen document, never to a page.
    expect(hubFiles.filter((r) => !['service_worker', 'background_page'].includes(r.targetType))).toEqual([]);
    expect(online.filter((r) => !allowedOnline(r))).toEqual([]);

    // The network goes: the hub refuses, every target is offline, and the worker (and the offscreen
    // document, where there is one) starts again from nothing.
    hub = 'offline';
    await recorder.setOffline(true);
    const cutAt = recorder.requests.length;
    const targetsAtCut = recorder.targets.length;
    await browser.worker.evaluate(closeOffscreenDocument);
    await browser.stopWorker();
    await summaryAskChat(browser, tabId, page);
    await pdfSummaryAndChat(browser, pdf.tabId);
    // The recorder is still listening: files fetched on purpose, by the restarted worker and by a page.
    expect(await browser.worker.evaluate(fetchOwnFile, 'alive=worker')).toBe(true);
    const probe = await browser.openExtensionPage('popup/index.html');
    expect(await probe.evaluate(fetchOwnFile, 'alive=page')).toBe(true);
    await probe.close();
    const offline = recorder.requests.slice(cutAt);
    // Told apart by the sender's URL: CDP calls a new tab `other` until it has loaded, then `page`.
    const sentBy = (marker: string) =>
      offline.filter((r) => r.url.endsWith(marker)).map((r) => new URL(r.targetUrl).pathname);
    expect(sentBy('alive=worker')).toEqual(['/service-worker-loader.js']);
    expect(sentBy('alive=page')).toEqual(['/popup/index.html']);
    // Offline, nothing leaves the extension: not the hub, not the page being read.
    expect(offline.filter((r) => new URL(r.url).protocol !== 'chrome-extension:')).toEqual([]);

    // Every kind of target was watched: the page read, the worker, the extension's pages and, on the threads
    // tier, the offscreen document (`background_page`) and its thread workers, which start again offline,
    // each held at its start until watched.
    const types = [...recorder.targetTypes].sort();
    const offscreenTypes = tier === 'wasm-threads' ? ['background_page', 'worker'] : [];
    expect(types).toEqual(expect.arrayContaining(['page', 'service_worker', ...offscreenTypes]));
    const startedOffline = recorder.targets.slice(targetsAtCut);
    for (const type of offscreenTypes)
      expect(startedOffline.filter((t) => t.type === type).every((t) => t.pausedOnStart)).toBe(true);
    expect(offscreenTypes.filter((type) => !startedOffline.some((t) => t.type === type))).toEqual([]);
    if (tier === 'wasm-threads') expect(offline.some((r) => r.targetType === 'background_page')).toBe(true);
    expect(recorder.failures).toEqual([]);

    const hubPaths = [...new Set(hubFiles.map((r) => `${r.method} ${new URL(r.url).pathname}`))].sort();
    console.log(
      `[privacy ${tier}] hub files: ${hubPaths.join(', ')}\n` +
        `[privacy ${tier}] targets seen: ${types.join(', ')}\n` +
        `[privacy ${tier}] online, by host: ${JSON.stringify(byHost(online))}\n` +
        `[privacy ${tier}] offline, by host: ${JSON.stringify(byHost(offline))}`,
    );
  });
});

describe('through a local server', () => {
  let browser: Browser;
  let recorder: NetworkRecorder;
  let server: LlamaServer;
  let short: Site;

  beforeAll(async () => {
    server = await startLlamaServer({ checkOrigin: true });
    // Short enough for the chat to need no embedding model: no hub file at all in this flow.
    short = await serveSite({ '/article': longArticleHtml('The harbour, sixty years on', 600) });
    browser = await launchBrowser(PRODUCTION_BUILD_DIR);
    recorder = await recordNetwork(browser);
    await browser.stopWorker();
  });

  afterAll(async () => {
    recorder?.stop();
    await browser?.close();
    await server?.close();
    await short?.close();
  });

  test('page text goes only to the connected loopback server, from the worker; nothing goes anywhere else', async () => {
    const { page, tabId } = await browser.openTab(`${short.origin}/article`);
    const text = (await page.locator('p').nth(1).textContent()) ?? '';
    expect(text.length).toBeGreaterThan(50);
    const settings = await browser.openExtensionPage('options/index.html');
    expect(server.requests).toEqual([]);
    await settings.getByTestId('server-url').fill(server.url);
    await settings.getByTestId('server-connect').click();
    await expect
      .poll(() => settings.getByTestId('server-status').getAttribute('data-state'))
      .toBe('connected');
    await settings.close();

    const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
    await popup.getByTestId('summarize').click();
    await expectDone(popup);
    await popup.close();
    const panel = await browser.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
    await panel.getByTestId('chat-input').fill('Who still works at the harbour?');
    await panel.getByTestId('chat-input').press('Enter');
    await expectDone(panel);
    await panel.close();

    const requests = recorder.requests.filter((r) => !NOT_NETWORK.has(new URL(r.url).protocol));
    const toServer = requests.filter((r) => new URL(r.url).origin === server.url);
    // The page's own load, and the server, reached by the worker alone; nothing else at all.
    expect(requests.filter((r) => new URL(r.url).origin !== short.origin && !toServer.includes(r))).toEqual(
      [],
    );
    expect(new Set(toServer.map((r) => r.targetType))).toEqual(new Set(['service_worker']));
    expect(requests.filter((r) => new URL(r.url).origin === short.origin).map((r) => r.targetType)).toEqual(
      expect.not.arrayContaining(['service_worker']),
    );
    // What the server received: the page's text, in the summary's and the chat's prompts.
    const prompts = server.requests.filter((r) => r.path === '/api/chat').map((r) => JSON.stringify(r.body));
    expect(prompts.length).toBe(2);
    expect(prompts.every((body) => body.includes(text.slice(0, 40)))).toBe(true);
    expect(recorder.failures).toEqual([]);
    console.log(`[privacy local-server] by host: ${JSON.stringify(byHost(requests))}`);
  });
});
