import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { TEST_DECODER_DIR } from '../../scripts/test-models';
import { QWEN25_05B } from '../../src/engine/registry';
import { longArticleHtml } from '../support/article';
import { createStandInHub } from '../support/stand-in-hub';
import {
  type Browser,
  closeOffscreenDocument,
  createProfile,
  launchBrowser,
  PRODUCTION_BUILD_DIR,
  recordStatus,
  type Site,
  serveSite,
} from './harness';
import { type NetworkRecorder, recordNetwork } from './network-recorder';

/*
 * The production build, as users install it. Its model comes from the Hugging Face hub, which these
 * machines can't reach: requests to huggingface.co, from every target, are answered over CDP instead
 * (network-recorder), either with nothing (offline) or with a stand-in hub serving the generated test model
 * under the default model's name: the tree API with sizes and SHA-256, Range requests, and responses cut at
 * chosen offsets. The real downloader, its IndexedDB store, the hash checks and the offline paths run, on
 * both CPU tiers picked in Settings: `wasm` downloads in the service worker, `wasm-threads` in the offscreen
 * document, which Playwright's routes never reach.
 */

const WEIGHTS = 'onnx/model_quantized.onnx';
let site: Site;
const rangeStart = (range: string | null) => Number(/^bytes=(\d+)-$/.exec(range ?? '')?.[1] ?? 0);

beforeAll(async () => {
  site = await serveSite({ '/article': longArticleHtml('The harbour, sixty years on', 1_200) });
});

afterAll(async () => {
  await site?.close();
});

describe.each(['wasm', 'wasm-threads'] as const)('on the %s tier', (tier) => {
  let browser: Browser;
  let recorder: NetworkRecorder;
  let mode: 'offline' | 'stand-in' = 'offline';
  /** Set: the hub goes offline right after it next cuts a response, as a connection that drops for good. */
  let offlineAfterCut = false;
  const hub = createStandInHub(QWEN25_05B.repo, TEST_DECODER_DIR);
  const hubRequests: string[] = [];
  /** The worker stopped and the offscreen document closed: the next use loads from the store. */
  const restartExtension = async () => {
    await browser.worker.evaluate(closeOffscreenDocument);
    await browser.stopWorker();
  };
  const weightsRequests = () => hub.requests.filter((r) => r.path === WEIGHTS).map((r) => r.range);

  // Kept across a browser restart: the store (IndexedDB) and the settings stay, `storage.session` goes.
  const profile = createProfile();
  const start = async () => {
    browser = await launchBrowser(PRODUCTION_BUILD_DIR, profile.dir);
    recorder = await recordNetwork(browser, ({ url, range }) => {
      const path = new URL(url).pathname;
      hubRequests.push(path);
      if (mode === 'offline') return 'disconnected';
      const answer = hub.answer(path, range);
      if (answer.cut && offlineAfterCut) mode = 'offline';
      // A cut body is shorter than its Content-Length: Chromium sees the connection end early.
      return answer;
    });
  };
  const stop = async () => {
    // Nothing went unanswered: every target was watched, and every hub request got its reply.
    expect(recorder?.failures).toEqual([]);
    recorder?.stop();
    await browser?.close();
  };
  /** Closes the browser and starts it again on the same profile: a new browser session. */
  const restartBrowser = async () => {
    await stop();
    await start();
  };

  beforeAll(async () => {
    await start();
    const settings = await browser.openExtensionPage('options/index.html');
    await settings.evaluate((engine) => chrome.storage.local.set({ settings: { engine } }), tier);
    await settings.close();
  });

  afterAll(async () => {
    await stop();
    profile.remove();
  });

  beforeEach(() => {
    hubRequests.length = 0;
    hub.requests.length = 0;
  });

  const summarizeAndWait = async (tabId: number) => {
    const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
    const seen = await recordStatus(popup);
    await popup.getByTestId('summarize').click();
    const status = popup.getByTestId('status');
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 120_000 }).toMatch(/done|error/);
    return { popup, state: await status.getAttribute('data-state'), text: await status.textContent(), seen };
  };

  test('offline: the failed download says what happened, and Retry really tries again', async () => {
    mode = 'offline';
    const { tabId } = await browser.openTab(`${site.origin}/article`);
    const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
    // Before the first use the popup says what will be downloaded.
    await expect.poll(() => popup.getByTestId('first-use').textContent()).toMatch(/512 MB/);
    await popup.getByTestId('summarize').click();
    const status = popup.getByTestId('status');
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 60_000 }).toBe('error');
    expect(await status.textContent()).toMatch(
      /Couldn’t reach Hugging Face to download .*Check your connection/,
    );
    const tried = hubRequests.length;
    expect(tried).toBeGreaterThan(0);

    await popup.getByTestId('retry').click();
    await expect.poll(() => hubRequests.length, { timeout: 60_000 }).toBeGreaterThan(tried);
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 60_000 }).toBe('error');
    await popup.close();
  });

  test('a download cut, then a stopped worker, resumes where it stopped; more cuts on the way are survived', async () => {
    const size = hub.bytes(WEIGHTS).length;
    const [first, ...later] = fc.sample(fc.integer({ min: 1_000, max: size - 1_000 }), {
      numRuns: 4,
      seed: 12,
    });
    const cuts = [first as number, ...later.sort((a, b) => a - b).filter((o) => o > (first as number))];
    mode = 'stand-in';
    offlineAfterCut = true;
    hub.cutNextAt(WEIGHTS, cuts[0] as number);
    const { tabId } = await browser.openTab(`${site.origin}/article`);
    const cut = await summarizeAndWait(tabId);
    expect(cut.state).toBe('error');
    expect(cut.text).toMatch(/Couldn’t download .*resumes from there/);
    await cut.popup.close();
    expect(weightsRequests()).toEqual([null]);

    // Chrome stops the worker (and the offscreen document goes too); the network comes back; the next try
    // continues from the bytes it kept.
    await restartExtension();
    offlineAfterCut = false;
    mode = 'stand-in';
    hub.requests.length = 0;
    for (const offset of cuts.slice(1)) hub.cutNextAt(WEIGHTS, offset);
    const { popup, state, seen: log } = await summarizeAndWait(tabId);
    const seen = weightsRequests();
    expect(state).toBe('done');
    // The progress line said how far the download was, in MB.
    expect((await log()).texts.some((text) => /Downloading the model… \d+ \/ \d+ MB/.test(text))).toBe(true);
    expect(seen.length).toBe(cuts.length);
    // Each request starts where the previous one was cut (or just before: bytes still in flight are lost).
    seen.forEach((range, i) => {
      expect(rangeStart(range)).toBeGreaterThan(0);
      expect(rangeStart(range)).toBeLessThanOrEqual(cuts[i] as number);
    });
    console.info(`production cuts: at ${cuts.join(', ')} of ${size} bytes; resumed with ${seen.join(', ')}`);
    await popup.close();
  });

  test('two summaries with the worker stopped between them: the second runs on the stored model, with no network', async () => {
    mode = 'stand-in';
    const { tabId } = await browser.openTab(`${site.origin}/article`);
    const first = await summarizeAndWait(tabId);
    expect(first.state).toBe('done');
    await first.popup.close();
    // Chrome stops idle workers (30 s); the next use must neither download nor ask the hub anything. The
    // stand-in stays up, so that any request would be answered, and seen.
    await restartExtension();
    hubRequests.length = 0;
    hub.requests.length = 0;
    const second = await summarizeAndWait(tabId);
    expect(second.state).toBe('done');
    expect(hubRequests).toEqual([]);
    expect(hub.requests).toEqual([]);
    // Nothing to download: no first-use note; the progress line gave the model's real size as its total.
    expect(await second.popup.getByTestId('first-use').count()).toBe(0);
    const texts = (await second.seen()).texts;
    expect(texts.some((text) => /Downloading/.test(text))).toBe(false);
    const totals = texts.flatMap(
      (text) => /Loading the model… [\d,.]+ \/ ([\d,.]+) MB/.exec(text)?.[1] ?? [],
    );
    const weightsMb = Math.round(hub.bytes(WEIGHTS).length / 1_000_000);
    // One total all along, the model's size: known from the first report, not growing file by file.
    expect(new Set(totals).size).toBe(1);
    expect(Number(totals[0]?.replace(/,/g, ''))).toBeGreaterThanOrEqual(weightsMb);
    await second.popup.close();
  });

  test('a stored file corrupted on purpose is caught by its hash in a new browser session and downloaded again, never loaded', async () => {
    mode = 'stand-in';
    const page = await browser.openExtensionPage('options/index.html');
    // Flip a byte of the stored weights behind the extension's back (IndexedDB, as the store keeps them).
    const flipped = await page.evaluate(`(async () => {
      const db = await new Promise((resolve, reject) => {
        const open = indexedDB.open('pagewise-models');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const done = (request) => new Promise((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const files = await done(db.transaction('files').objectStore('files').getAll());
      const weights = files.find((file) => file.path === '${WEIGHTS}');
      const key = [weights.url, 0];
      const chunk = await done(db.transaction('chunks').objectStore('chunks').get(key));
      const bytes = new Uint8Array(await chunk.data.arrayBuffer());
      bytes[1000] ^= 0xff;
      // Written once its transaction completes, not when the request succeeds: the page closes next.
      const write = db.transaction('chunks', 'readwrite');
      write.objectStore('chunks').put({ ...chunk, data: new Blob([bytes]) });
      await new Promise((resolve, reject) => {
        write.oncomplete = resolve;
        write.onerror = write.onabort = () => reject(write.error);
      });
      db.close();
      return weights.verified;
    })()`);
    expect(flipped).toBe(true);
    await page.close();
    // Files are hashed once per browser session: a new one checks them again before loading.
    await restartBrowser();
    hub.requests.length = 0;
    const { tabId } = await browser.openTab(`${site.origin}/article`);
    const { popup, state } = await summarizeAndWait(tabId);
    expect(state).toBe('done');
    // The whole file again, from byte 0: the damaged copy was deleted.
    expect(weightsRequests()).toEqual([null]);
    await popup.close();
  });
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
