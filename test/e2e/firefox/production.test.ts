import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TEST_DECODER_DIR, TEST_ENCODER_DIR } from '../../../scripts/test-models';
import { MULTILINGUAL_E5_SMALL, QWEN25_05B } from '../../../src/engine/registry';
import { longArticleHtml } from '../../support/article';
import { createStandInHub, type StandInHub, serveHub } from '../../support/stand-in-hub';
import { selfSignedCertificate } from '../../support/tls';
import { type Site, serveSite } from '../harness';
import {
  clickTestId,
  FIREFOX_PRODUCTION_BUILD_DIR,
  type Firefox,
  launchFirefox,
  statusState,
  testIdText,
} from './harness';

/*
 * Firefox's production package (`dist-firefox/`), as users install it, with its privacy proof. Its models
 * come from the hub: huggingface.co is tunnelled by the recording proxy to a stand-in hub over HTTPS (the
 * generated test models under the real models' names, with the tree API's sizes and SHA-256), so the real
 * downloader, its store and its hash checks run in Firefox's background page. Every request Firefox sends
 * goes through the proxy: through a summary and a chat, only the page under test and the hub are contacted.
 */

const WEIGHTS = 'onnx/model_quantized.onnx';
const chatHub = createStandInHub(QWEN25_05B.repo, TEST_DECODER_DIR);
const embedderHub = createStandInHub(MULTILINGUAL_E5_SMALL.repo, TEST_ENCODER_DIR);
const HUBS = [chatHub, embedderHub];
/** One hub for both repositories: the first that has the path answers. */
const bothRepos: StandInHub = {
  ...(HUBS[0] as StandInHub),
  answer: (path, range) =>
    HUBS.map((hub) => hub.answer(path, range)).find((found) => found.status !== 404) ??
    (HUBS[0] as StandInHub).answer(path, range),
};

let firefox: Firefox;
let site: Site;
let hub: Awaited<ReturnType<typeof serveHub>>;

beforeAll(async () => {
  site = await serveSite({ '/article': longArticleHtml('The harbour, sixty years on', 2_500) });
  hub = await serveHub(bothRepos, selfSignedCertificate('huggingface.co'));
  firefox = await launchFirefox(FIREFOX_PRODUCTION_BUILD_DIR, { hubPort: hub.port });
});

afterAll(async () => {
  await firefox?.close();
  await hub?.close();
  await site?.close();
});

describe("Firefox's production package", () => {
  test('downloads its models (a cut download resumes, hashes checked), summarizes and chats; only the page and the hub are contacted', async () => {
    const { tabId } = await firefox.openTab(`${site.origin}/article`);
    const popup = await firefox.openExtensionPage(`popup/index.html?tab=${tabId}`);
    // The weights' first response is cut mid-way: the downloader resumes from the bytes it kept, and the
    // whole file's SHA-256 must check out before it is loaded.
    const size = chatHub.bytes(WEIGHTS).length;
    const cut = Math.floor(size / 2);
    chatHub.cutNextAt(WEIGHTS, cut);
    await clickTestId(popup, 'summarize');
    await expect.poll(() => statusState(popup), { timeout: 180_000 }).toMatch(/^(done|error)$/);
    expect(await statusState(popup), await testIdText(popup, 'status')).toBe('done');
    const ranges = chatHub.requests.filter((r) => r.path === WEIGHTS).map((r) => r.range);
    expect(ranges).toHaveLength(2);
    expect(ranges[0]).toBeNull();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(ranges[1] ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(cut);
    await popup.close();

    const panel = await firefox.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
    await panel.type('[data-testid="chat-input"]', 'Who still works at the harbour?');
    await panel.keyboard.press('Enter');
    await expect.poll(() => statusState(panel), { timeout: 180_000 }).toMatch(/^(done|error)$/);
    expect(await statusState(panel)).toBe('done');
    await panel.close();

    // The embedder came from the (stand-in) hub too, its weights once.
    expect(embedderHub.requests.filter((r) => r.path === WEIGHTS)).toHaveLength(1);
    const contacted = new Set(firefox.proxy.requests.map(({ url }) => new URL(url).origin));
    expect([...contacted].sort()).toEqual(['https://huggingface.co', site.origin].sort());
  });

  test('Settings deletes the downloaded model: it is downloadable again', async () => {
    const settings = await firefox.openExtensionPage('options/index.html');
    const row = `[data-testid="model"][data-model-id="${QWEN25_05B.id}"][data-tier="cpu"]`;
    const state = () =>
      settings.evaluate((css) => document.querySelector(css)?.getAttribute('data-state'), row);
    await expect.poll(state, { timeout: 30_000 }).toBe('available');
    await settings.click(`${row} [data-testid="delete-model"]`);
    await expect.poll(state, { timeout: 30_000 }).toBe('downloadable');
    await settings.close();
  });
});
