import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { longArticleHtml } from '../support/article';
import {
  type Browser,
  launchBrowser,
  PRODUCTION_BUILD_DIR,
  recordStatus,
  type Site,
  serveSite,
} from './harness';
import { routeStandInHub, type StandInHub } from './stand-in-hub';

/*
 * The production build, as users install it. Its model comes from the Hugging Face hub, which these
 * machines can't reach: Playwright answers the worker's requests to huggingface.co instead, either with
 * nothing (offline) or, as a stand-in hub, with the generated test model under the default model's name.
 * The real download, progress, Cache API and offline paths run.
 */

let browser: Browser;
let site: Site;
let hub: StandInHub;

beforeAll(async () => {
  site = await serveSite({ '/article': longArticleHtml('The harbour, sixty years on', 1_200) });
  browser = await launchBrowser(PRODUCTION_BUILD_DIR);
  hub = await routeStandInHub(browser.context);
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

beforeEach(() => {
  hub.requests.length = 0;
});

test('offline: the failed download says what happened, and Retry really tries again', async () => {
  hub.mode = 'offline';
  const { tabId } = await browser.openTab(`${site.origin}/article`);
  const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
  // Before the first use the popup says what will be downloaded.
  await expect.poll(() => popup.getByTestId('first-use').textContent()).toMatch(/512 MB/);
  await popup.getByTestId('summarize').click();
  const status = popup.getByTestId('status');
  await expect.poll(() => status.getAttribute('data-state'), { timeout: 60_000 }).toBe('error');
  expect(await status.textContent()).toMatch(/Couldn’t download the model .*Check your connection/);
  const tried = hub.requests.length;
  expect(tried).toBeGreaterThan(0);

  await popup.getByTestId('retry').click();
  await expect.poll(() => hub.requests.length, { timeout: 60_000 }).toBeGreaterThan(tried);
  await expect.poll(() => status.getAttribute('data-state'), { timeout: 60_000 }).toBe('error');
  await popup.close();
});

test('online: the first use downloads with progress; after a worker restart it runs from the cache', async () => {
  hub.mode = 'stand-in';
  const { tabId } = await browser.openTab(`${site.origin}/article`);
  const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
  const seen = await recordStatus(popup);
  await popup.getByTestId('summarize').click();
  await expect
    .poll(() => popup.getByTestId('status').getAttribute('data-state'), { timeout: 120_000 })
    .toBe('done');
  const first = await seen();
  expect(first.states).toContain('loading');
  expect(first.texts.some((text) => /Downloading the model… .*MB/.test(text))).toBe(true);
  expect(hub.requests.some((path) => path.endsWith('/onnx/model_quantized.onnx'))).toBe(true);
  await popup.close();

  // Chrome stops idle workers; the next use must not download again.
  await browser.stopWorker();
  hub.requests.length = 0;
  hub.mode = 'offline';
  const again = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
  await expect.poll(() => again.getByTestId('status').getAttribute('data-state')).toBe('done');
  expect(await again.getByTestId('first-use').count()).toBe(0);
  await again.getByTestId('summarize').click();
  await expect
    .poll(() => again.getByTestId('status').getAttribute('data-state'), { timeout: 120_000 })
    .toBe('done');
  expect(hub.requests).toEqual([]);
  await again.close();
});

test('the package names no CDN: all code and the WASM runtime ship inside it', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
    );
  const code = files(PRODUCTION_BUILD_DIR).filter((file) => /\.(js|mjs|html|json)$/.test(file));
  expect(code.length).toBeGreaterThan(3);
  const remote = code.filter((file) =>
    /cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare/.test(readFileSync(file, 'utf8')),
  );
  expect(remote).toEqual([]);
});
