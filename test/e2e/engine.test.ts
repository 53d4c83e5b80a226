import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { longArticleHtml } from '../support/article';
import { afterNextFrames, type Browser, launchBrowser, type Site, serveSite } from './harness';

// Which engine runs, chosen per machine and shown: the settings page lists every tier with its state and
// reason, a tier picked there is the one used, and the status names the engine once a run is done.

let site: Site;

beforeAll(async () => {
  // Short: SwiftShader (the software GPU here) writes a few tokens a second, and this fits one pass.
  site = await serveSite({ '/article': longArticleHtml('The harbour, sixty years on', 300) });
});

afterAll(async () => {
  await site?.close();
});

const status = (page: Page) => page.getByTestId('status');

async function tierRows(settings: Page) {
  const rows = settings.getByTestId('engine-tier');
  await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(5);
  return settings.evaluate(() =>
    [...document.querySelectorAll('[data-testid="engine-tier"]')].map((row) => ({
      tier: row.getAttribute('data-tier'),
      state: row.getAttribute('data-state'),
      reason: row.querySelector('.tier__reason')?.textContent ?? '',
      inUse: row.getAttribute('aria-current') === 'true',
    })),
  );
}

async function summarize(browser: Browser): Promise<string> {
  const { tabId } = await browser.openTab(`${site.origin}/article`);
  const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
  await expect.poll(() => status(popup).getAttribute('data-state')).toBe('idle');
  await popup.getByTestId('summarize').click();
  await expect.poll(() => status(popup).getAttribute('data-state'), { timeout: 240_000 }).toBe('done');
  // Markdown draws once per animation frame.
  await afterNextFrames(popup);
  expect((await popup.getByTestId('summary').textContent())?.length ?? 0).toBeGreaterThan(0);
  const text = (await status(popup).textContent()) ?? '';
  await popup.close();
  return text;
}

async function chat(browser: Browser): Promise<string> {
  const { tabId } = await browser.openTab(`${site.origin}/article`);
  const panel = await browser.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
  await panel.getByTestId('chat-input').fill('How many visitors come each year?');
  await panel.getByTestId('chat-input').press('Enter');
  await expect.poll(() => status(panel).getAttribute('data-state'), { timeout: 240_000 }).toBe('done');
  await afterNextFrames(panel);
  const answer = panel.locator('[data-testid="chat-message"][data-role="assistant"] .message__answer');
  expect((await answer.first().textContent())?.length ?? 0).toBeGreaterThan(0);
  return (await status(panel).textContent()) ?? '';
}

describe('with a software GPU (--enable-unsafe-webgpu)', () => {
  let browser: Browser;
  beforeAll(async () => {
    // Automatic's pick among the CPU tiers depends on the cores: 2, as below.
    browser = await launchBrowser(undefined, undefined, { webgpu: true, cores: 2 });
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('Settings list every tier; WebGPU picked there summarizes and chats, and the status says WebGPU', async () => {
    const settings = await browser.openExtensionPage('options/index.html');
    const rows = await tierRows(settings);
    expect(rows.map((row) => row.tier)).toEqual([
      'local-server',
      'webgpu',
      'chrome-builtin',
      'wasm-threads',
      'wasm',
    ]);
    for (const row of rows) {
      expect(['available', 'downloadable', 'unavailable']).toContain(row.state);
      expect(row.reason.length).toBeGreaterThan(10);
    }
    // No server is connected, so nothing is asked of one.
    expect(rows[0]).toMatchObject({ tier: 'local-server', state: 'unavailable', inUse: false });
    // A software GPU is found, but automatic leaves it: it is slower than the CPU.
    expect(rows[1]).toMatchObject({ state: 'unavailable', inUse: false });
    expect(rows[1]?.reason).toMatch(/SwiftShader/);
    expect(rows.find((row) => row.tier === 'wasm')).toMatchObject({ state: 'available', inUse: true });

    await settings.getByTestId('engine-select').selectOption('webgpu');
    await expect
      .poll(async () => (await tierRows(settings)).find((row) => row.inUse)?.tier, { timeout: 30_000 })
      .toBe('webgpu');

    expect(await summarize(browser)).toMatch(/^Done · WebGPU/);
    expect(await chat(browser)).toMatch(/^Done · WebGPU/);
  });
});

// Automatic picks by the core count the worker sees, injected (the harness), so the verdict is this
// machine's on any machine: threads from 4 cores, one thread below.
describe.each([
  {
    cores: 2,
    automatic: 'wasm',
    done: 'Done · WASM',
    threadsReason: /^2 CPU cores: threads would leave none/,
  },
  {
    cores: 8,
    automatic: 'wasm-threads',
    done: 'Done · WASM, multi-threaded',
    threadsReason: /^8 CPU cores: the model runs on 7 threads/,
  },
])('without a GPU, on $cores cores', ({ cores, automatic, done, threadsReason }) => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser(undefined, undefined, { cores });
  });
  afterAll(async () => {
    await browser?.close();
  });

  test(`falls back to ${automatic}, shows why in Settings, and names it when done`, async () => {
    const settings = await browser.openExtensionPage('options/index.html');
    const rows = await tierRows(settings);
    expect(rows[1]).toMatchObject({ tier: 'webgpu', state: 'unavailable' });
    expect(rows[1]?.reason).toMatch(/No GPU adapter: WebGPU is off or unsupported on this computer/);
    expect(rows.find((row) => row.tier === 'wasm-threads')?.reason).toMatch(threadsReason);
    // The real Prompt API of this Chromium, asked by the worker: it is there, and says no (no Gemini Nano).
    expect(rows.find((row) => row.tier === 'chrome-builtin')).toMatchObject({ state: 'unavailable' });
    expect(rows.find((row) => row.tier === 'chrome-builtin')?.reason).toMatch(/cannot run on this computer/);
    expect(rows.find((row) => row.inUse)?.tier).toBe(automatic);
    // A tier this machine lacks cannot be picked.
    expect(await settings.locator('[data-testid="engine-select"] option[value="webgpu"]').isDisabled()).toBe(
      true,
    );

    expect(await summarize(browser)).toBe(done);
  });
});
