import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest';
import { TEST_DECODER_DIR } from '../../scripts/test-models';
import { QWEN25_05B } from '../../src/engine/registry';
import { longArticleHtml } from '../support/article';
import { createStandInHub, type HeldResponse, serveHub } from '../support/stand-in-hub';
import { selfSignedCertificate } from '../support/tls';
import { type Browser, launchBrowser, PRODUCTION_BUILD_DIR, type Site, serveSite } from './harness';

/*
 * Downloads under real faults, in Chromium, on the production build: the worker's requests to huggingface.co
 * reach a real HTTPS stand-in hub on loopback (not Playwright's routes, which send a body at once), so a
 * response can be held mid-body while the test presses Stop, stops the worker over CDP, or lowers the
 * extension's quota with Chrome's own override. The tier is pinned to `wasm` (the worker downloads), so the
 * verdict is the same on 2 cores and on 16.
 */

const WEIGHTS = 'onnx/model_quantized.onnx';
const hub = createStandInHub(QWEN25_05B.repo, TEST_DECODER_DIR);
const size = hub.bytes(WEIGHTS).length;
let server: Awaited<ReturnType<typeof serveHub>>;
let site: Site;
let browser: Browser;
/** Copies of the build made by a test, removed at the end. */
const copies: string[] = [];

beforeAll(async () => {
  server = await serveHub(hub, selfSignedCertificate('huggingface.co'));
  site = await serveSite({ '/article': longArticleHtml('The harbour, sixty years on', 600) });
});

afterAll(async () => {
  await site?.close();
  await server?.close();
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  hub.requests.length = 0;
  browser = await launchBrowser(PRODUCTION_BUILD_DIR, undefined, { hubPort: server.port });
  await browser.worker.evaluate(() => chrome.storage.local.set({ settings: { engine: 'wasm' } }));
});

afterEach(async () => {
  await browser?.close();
});

const weightsRanges = () => hub.requests.filter((r) => r.path === WEIGHTS).map((r) => r.range);
const rangeStart = (range: string | null | undefined) => Number(/^bytes=(\d+)-$/.exec(range ?? '')?.[1] ?? 0);

/** Whether a held response's connection was closed by the browser, as a flag to poll. */
function watchClosed(held: HeldResponse): () => boolean {
  let closed = false;
  void held.closed.then(() => {
    closed = true;
  });
  return () => closed;
}

/**
 * The stored weights' record, read from the extension's IndexedDB by a page of its origin that sends the
 * worker nothing (its manifest, shown as text), so reading never wakes or disturbs it.
 */
async function storedWeights(): Promise<{ received: number; verified: boolean } | null> {
  const page = await browser.context.newPage();
  try {
    await page.goto(`chrome-extension://${browser.extensionId}/manifest.json`);
    return await page.evaluate(`(async () => {
      const db = await new Promise((resolve, reject) => {
        const open = indexedDB.open('pagewise-models');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      try {
        if (!db.objectStoreNames.contains('files')) return null;
        const files = await new Promise((resolve, reject) => {
          const request = db.transaction('files').objectStore('files').getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        const weights = files.find((file) => file.path === '${WEIGHTS}');
        return weights ? { received: weights.received, verified: weights.verified } : null;
      } finally {
        db.close();
      }
    })()`);
  } finally {
    await page.close();
  }
}

/** Writes 100 KB into a database of its own from an extension page: `written` (then removed), or the error. */
const probeWrite = (page: Page): Promise<string> =>
  page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('quota-probe');
      open.onupgradeneeded = () => open.result.createObjectStore('probe');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const write = (change: (store: IDBObjectStore) => void) =>
      new Promise<string>((resolve) => {
        const tx = db.transaction('probe', 'readwrite');
        change(tx.objectStore('probe'));
        tx.oncomplete = () => resolve('written');
        tx.onabort = () => resolve(tx.error?.name ?? 'aborted');
      });
    const outcome = await write((store) => store.put(new Blob([new Uint8Array(100_000)]), 1));
    if (outcome === 'written') await write((store) => store.delete(1));
    db.close();
    return outcome;
  });

const openPopup = async (tabId: number) => {
  const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
  return { popup, state: () => popup.getByTestId('status').getAttribute('data-state') };
};

/** Waits until what the held response sent is all stored (the downloader writes a stalled body). */
const untilStored = (held: HeldResponse) =>
  expect.poll(async () => (await storedWeights())?.received, { timeout: 30_000 }).toBe(held.sentUpTo());

test('Stop mid-download closes the transfer, the reopened popup is idle, and the next Summarize resumes', async () => {
  const held = hub.holdNextAt(WEIGHTS, Math.floor(size / 2));
  const closed = watchClosed(held);
  const { tabId } = await browser.openTab(`${site.origin}/article`);
  const first = await openPopup(tabId);
  await first.popup.getByTestId('summarize').click();
  await held.reached;
  await untilStored(held);
  const sent = held.sentUpTo();

  await first.popup.getByTestId('stop').click();
  // The worker's read ends: the hub sees the connection closed before the body's end, and sends no more.
  await expect.poll(closed, { timeout: 30_000 }).toBe(true);
  expect(held.sentUpTo()).toBe(sent);
  await first.popup.close();

  const again = await openPopup(tabId);
  await expect.poll(again.state, { timeout: 30_000 }).toBe('idle');
  const stored = await storedWeights();
  expect(stored).toEqual({ received: sent, verified: false });
  expect(weightsRanges()).toEqual([null]);

  await again.popup.getByTestId('summarize').click();
  await expect.poll(again.state, { timeout: 120_000 }).toMatch(/done|error/);
  expect(await again.state(), (await again.popup.getByTestId('status').textContent()) ?? '').toBe('done');
  expect(weightsRanges()).toEqual([null, `bytes=${sent}-`]);
  expect(await storedWeights()).toEqual({ received: size, verified: true });
});

test('the worker stopped mid-transfer three times resumes each time between what was stored and what was sent', async () => {
  const { tabId } = await browser.openTab(`${site.origin}/article`);
  const popup = await openPopup(tabId);
  const stops = [0.25, 0.5, 0.75].map((fraction) => Math.floor(size * fraction));
  let bounds: { stored: number; sent: number } | undefined;
  const resumedAt: number[] = [];
  for (const [round, offset] of stops.entries()) {
    const held = hub.holdNextAt(WEIGHTS, offset);
    const closed = watchClosed(held);
    // The first round starts the summary; the others retry it after the worker was stopped under it.
    await popup.popup.getByTestId(round === 0 ? 'summarize' : 'retry').click();
    await held.reached;
    const range = weightsRanges().at(-1);
    if (bounds) {
      // Nothing downloaded again from zero, nothing skipped.
      expect(rangeStart(range)).toBeGreaterThanOrEqual(bounds.stored);
      expect(rangeStart(range)).toBeLessThanOrEqual(bounds.sent);
      resumedAt.push(rangeStart(range));
    } else {
      expect(range).toBeNull();
    }
    // Rounds 0 and 2 stop the worker once the held bytes are written; round 1 at once, mid-chunk.
    if (round !== 1) await untilStored(held);
    const stored = (await storedWeights())?.received ?? 0;
    await browser.stopWorker();
    await expect.poll(closed, { timeout: 30_000 }).toBe(true);
    bounds = { stored, sent: held.sentUpTo() };
    expect(bounds.sent).toBeLessThan(size);
    await expect.poll(popup.state, { timeout: 30_000 }).toBe('error');
  }

  await popup.popup.getByTestId('retry').click();
  await expect.poll(popup.state, { timeout: 120_000 }).toMatch(/done|error/);
  expect(await popup.state(), (await popup.popup.getByTestId('status').textContent()) ?? '').toBe('done');
  const last = weightsRanges().at(-1);
  expect(rangeStart(last)).toBeGreaterThanOrEqual(bounds?.stored ?? Number.NaN);
  expect(rangeStart(last)).toBeLessThanOrEqual(bounds?.sent ?? Number.NaN);
  resumedAt.push(rangeStart(last));
  expect(weightsRanges()).toHaveLength(4);
  expect(await storedWeights()).toEqual({ received: size, verified: true });
  console.info(`worker stops at ${stops.join(', ')} of ${size} bytes; resumed at ${resumedAt.join(', ')}`);
});

test('a real quota refusal mid-download says the disk is full, keeps only counted bytes, and resumes once there is room', async () => {
  // With `unlimitedStorage` Chrome refuses a write only when the disk itself is full; without it the origin
  // has a quota, which Chrome's override lowers for real. The same build, less that one permission.
  await browser.close();
  const dir = mkdtempSync(join(tmpdir(), 'pagewise-quota-'));
  copies.push(dir);
  cpSync(PRODUCTION_BUILD_DIR, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { permissions: string[] };
  manifest.permissions = manifest.permissions.filter((permission) => permission !== 'unlimitedStorage');
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  browser = await launchBrowser(dir, undefined, { hubPort: server.port });
  await browser.worker.evaluate(() => chrome.storage.local.set({ settings: { engine: 'wasm' } }));

  const held = hub.holdNextAt(WEIGHTS, Math.floor(size / 2));
  const { tabId } = await browser.openTab(`${site.origin}/article`);
  const popup = await openPopup(tabId);
  await popup.popup.getByTestId('summarize').click();
  await held.reached;
  await untilStored(held);
  const kept = held.sentUpTo();

  const cdp = await browser.context.newCDPSession(popup.popup);
  const origin = `chrome-extension://${browser.extensionId}`;
  try {
    const { usage } = await popup.popup.evaluate(() => navigator.storage.estimate());
    // Chrome's own quota, lowered under the download: the rest of the weights no longer fits.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: (usage ?? 0) + 10_000 });
    // Chrome keeps the room it found for a few seconds (IndexedDB's bucket context): wait until a write of
    // the extension's origin is really refused before the rest of the body comes.
    await expect.poll(() => probeWrite(popup.popup), { timeout: 30_000 }).toBe('QuotaExceededError');
    held.release();
    await expect.poll(popup.state, { timeout: 60_000 }).toBe('error');
    expect(await popup.popup.getByTestId('status').textContent()).toMatch(/disk is full/);
    expect(await storedWeights()).toEqual({ received: kept, verified: false });
  } finally {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    await cdp.detach();
  }

  await popup.popup.getByTestId('retry').click();
  await expect.poll(popup.state, { timeout: 120_000 }).toMatch(/done|error/);
  expect(await popup.state(), (await popup.popup.getByTestId('status').textContent()) ?? '').toBe('done');
  expect(weightsRanges()).toEqual([null, `bytes=${kept}-`]);
  expect(await storedWeights()).toEqual({ received: size, verified: true });
});

test('on the threads tier, Stop mid-download stops the offscreen host’s transfer too, and the next Summarize resumes', async () => {
  // The offscreen document downloads the weights itself; its requests reach the same stand-in hub.
  await browser.worker.evaluate(() => chrome.storage.local.set({ settings: { engine: 'wasm-threads' } }));
  const held = hub.holdNextAt(WEIGHTS, Math.floor(size / 2));
  const closed = watchClosed(held);
  const { tabId } = await browser.openTab(`${site.origin}/article`);
  const popup = await openPopup(tabId);
  await popup.popup.getByTestId('summarize').click();
  await held.reached;
  const hosts = await browser.worker.evaluate(
    async () => (await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'] })).length,
  );
  expect(hosts).toBe(1);
  await untilStored(held);
  const sent = held.sentUpTo();

  await popup.popup.getByTestId('stop').click();
  await expect.poll(closed, { timeout: 30_000 }).toBe(true);
  expect(held.sentUpTo()).toBe(sent);
  expect(await storedWeights()).toEqual({ received: sent, verified: false });
  await popup.popup.close();

  const again = await openPopup(tabId);
  await expect.poll(again.state, { timeout: 30_000 }).toBe('idle');
  await again.popup.getByTestId('summarize').click();
  await expect.poll(again.state, { timeout: 240_000 }).toMatch(/done|error/);
  expect(await again.state(), (await again.popup.getByTestId('status').textContent()) ?? '').toBe('done');
  expect(weightsRanges()).toEqual([null, `bytes=${sent}-`]);
  expect(await storedWeights()).toEqual({ received: size, verified: true });
});
