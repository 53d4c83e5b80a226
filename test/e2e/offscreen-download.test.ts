import { afterAll, beforeAll, expect, test } from 'vitest';
import { TEST_DECODER_DIR } from '../../scripts/test-models';
import { OFFSCREEN_PATH } from '../../src/engine/backends/offscreen/protocol';
import { QWEN25_05B } from '../../src/engine/registry';
import { longArticleHtml } from '../support/article';
import { createStandInHub } from '../support/stand-in-hub';
import {
  type Browser,
  launchBrowser,
  PRODUCTION_BUILD_DIR,
  recordStatus,
  type Site,
  serveSite,
} from './harness';
import { attachToOffscreen, type OffscreenTarget } from './offscreen-target';

/*
 * The production build with the `wasm-threads` tier forced: the offscreen host downloads the model itself,
 * from a cross-origin isolated page, and its download progress reaches the popup through the worker.
 * Playwright routes neither the offscreen document's requests nor lists it, so the test opens the document
 * first, as the worker would, and answers its hub requests through CDP's Fetch domain; the worker finds it
 * open and uses it.
 */

let browser: Browser;
let site: Site;
const hub = createStandInHub(QWEN25_05B.repo, TEST_DECODER_DIR);
const workerRequests: string[] = [];
let host: OffscreenTarget;
const hostRequests: string[] = [];

beforeAll(async () => {
  site = await serveSite({ '/article': longArticleHtml('The harbour, sixty years on', 800) });
  browser = await launchBrowser(PRODUCTION_BUILD_DIR);
  await browser.context.route('https://huggingface.co/**', async (route) => {
    const path = new URL(route.request().url()).pathname;
    workerRequests.push(path);
    const answer = hub.answer(path, route.request().headers().range ?? null);
    return route.fulfill({ status: answer.status, headers: answer.headers, body: answer.body });
  });
  const options = await browser.openExtensionPage('options/index.html');
  await options.evaluate(() => chrome.storage.local.set({ settings: { engine: 'wasm-threads' } }));
  await browser.worker.evaluate(
    (path) =>
      chrome.offscreen.createDocument({
        url: chrome.runtime.getURL(path),
        reasons: [chrome.offscreen.Reason.WORKERS],
        justification: 'test',
      }),
    OFFSCREEN_PATH,
  );
  host = await attachToOffscreen(await browser.context.newCDPSession(options));
  host.on('Fetch.requestPaused', (params) => {
    const { requestId, request } = params as {
      requestId: string;
      request: { url: string; headers: Record<string, string> };
    };
    const path = new URL(request.url).pathname;
    hostRequests.push(path);
    const response = hub.answer(path, request.headers.Range ?? request.headers.range ?? null);
    void host.send('Fetch.fulfillRequest', {
      requestId,
      responseCode: response.status,
      responseHeaders: Object.entries(response.headers).map(([name, value]) => ({ name, value })),
      body: response.body.toString('base64'),
    });
  });
  await host.send('Fetch.enable', { patterns: [{ urlPattern: 'https://huggingface.co/*' }] });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

test('the offscreen host downloads the model from the hub, with progress, and summarizes', async () => {
  const { tabId } = await browser.openTab(`${site.origin}/article`);
  const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
  const seen = await recordStatus(popup);
  await popup.getByTestId('summarize').click();
  await expect
    .poll(() => popup.getByTestId('status').getAttribute('data-state'), { timeout: 240_000 })
    .toMatch(/done|error/);
  const log = await seen();
  expect(log.states.at(-1), log.texts.at(-1)).toBe('done');
  expect(log.texts.some((text) => /Downloading the model… .*MB/.test(text))).toBe(true);
  // The weights went to the offscreen page, never to the worker, which reads only the tokenizer's files.
  expect(hostRequests.some((path) => path.endsWith('/onnx/model_quantized.onnx'))).toBe(true);
  expect(workerRequests.filter((path) => path.endsWith('.onnx'))).toEqual([]);
  expect(((await popup.getByTestId('summary').textContent()) ?? '').length).toBeGreaterThan(20);
  expect(await host.evaluate('crossOriginIsolated')).toBe(true);
});
