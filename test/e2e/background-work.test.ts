import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { longArticleHtml } from '../support/article';
import { afterNextFrames, type Browser, launchBrowser, recordStatus, type Site, serveSite } from './harness';

let browser: Browser;
let site: Site;

beforeAll(async () => {
  site = await serveSite({
    '/long': longArticleHtml('The harbour, the long read', 9_000),
    '/long-2': longArticleHtml('The harbour, the second long read', 9_000),
    '/long-3': longArticleHtml('The harbour, the third long read', 9_000),
    '/article': longArticleHtml('The harbour, sixty years on', 1_500),
  });
  // 2 cores: automatic runs the model in the worker (wasm), as the status lines below say.
  browser = await launchBrowser(undefined, undefined, { cores: 2 });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

const state = (page: Page) => page.getByTestId('status').getAttribute('data-state');
const statusText = (page: Page) => page.getByTestId('status').textContent();
const BUSY = ['loading', 'reading', 'generating'];

describe('work that outlives the page that asked for it', () => {
  test('a long page is read progressively: progress while a part is read, its points shown as it goes', async () => {
    const { tabId } = await browser.openTab(`${site.origin}/long`);
    const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
    const log = await recordStatus(popup);
    await popup.evaluate(() => {
      const shown: [string, string][] = [];
      (window as unknown as { shown: typeof shown }).shown = shown;
      new MutationObserver(() => {
        const status = document.querySelector('[data-testid="status"]')?.textContent ?? '';
        const summary = document.querySelector('[data-testid="summary"]')?.textContent ?? '';
        shown.push([status, summary]);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await popup.getByTestId('summarize').click();
    await expect.poll(() => state(popup), { timeout: 180_000 }).toBe('done');
    const { texts } = await log();
    const shown = await popup.evaluate(() => (window as unknown as { shown: [string, string][] }).shown);
    // The larger parts are read in several steps, each reported as it goes, rising.
    const readings = new Map<number, number[]>();
    for (const text of texts) {
      const match = /part (\d+) of \d+… (\d+)%/i.exec(text);
      if (match)
        readings.set(Number(match[1]), [...(readings.get(Number(match[1])) ?? []), Number(match[2])]);
    }
    console.info(`[e2e] reading progress by part: ${JSON.stringify(Object.fromEntries(readings))}`);
    const steps = [...readings.values()];
    expect(steps.some((percents) => percents.length > 1)).toBe(true);
    for (const percents of steps) expect([...percents].sort((x, y) => x - y)).toEqual(percents);
    // The summary grows as the page is read: part 1's points are on screen while part 2 is read.
    expect(
      shown.some(([status, summary]) => /part 2 of/i.test(status) && summary.includes('Part 1 of')),
    ).toBe(true);
    const final = (await popup.getByTestId('summary').textContent()) ?? '';
    expect(final).toMatch(/Part 1 of \d+[\s\S]*Part 2 of \d+[\s\S]*In short/);
    await popup.close();
  });

  test('a popup closed mid-summary and opened again shows the progress, and the summary completes', async () => {
    const { tabId } = await browser.openTab(`${site.origin}/long`);
    const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
    await popup.getByTestId('summarize').click();
    await expect.poll(() => statusText(popup), { timeout: 120_000 }).toMatch(/part 1 of/i);
    await popup.close();

    const again = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
    // Still at work for this tab: the popup follows it instead of offering to start over.
    await expect.poll(() => state(again), { timeout: 10_000 }).toMatch(new RegExp(BUSY.join('|')));
    expect(await again.getByTestId('stop').isVisible()).toBe(true);
    await expect.poll(() => state(again), { timeout: 180_000 }).toBe('done');
    await afterNextFrames(again);
    expect((await again.getByTestId('summary').textContent())?.length ?? 0).toBeGreaterThan(20);
    expect(await statusText(again)).toBe('Done · WASM');
    await again.close();
  });

  test('a side panel reloaded mid-answer attaches to it again', async () => {
    // Long summaries on three other tabs queue ahead of the question, so it waits long enough to reload
    // even on a loaded machine. Every page opens first and the clicks come together: one summary alone had
    // ended before the question was sent, and opening tabs is the slow part.
    const popups: Page[] = [];
    for (const path of ['/long', '/long-2', '/long-3']) {
      const busy = await browser.openTab(`${site.origin}${path}`);
      popups.push(await browser.openExtensionPage(`popup/index.html?tab=${busy.tabId}`));
    }
    const { tabId } = await browser.openTab(`${site.origin}/article`);
    const panel = await browser.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
    await panel.getByTestId('chat-input').fill('Who runs the bakery?');
    for (const popup of popups) await popup.getByTestId('summarize').click();
    await panel.getByTestId('chat-send').click();
    // The question waits its turn, and says what for (the part, unless the summary is writing its overview).
    await expect
      .poll(() => statusText(panel), { timeout: 30_000, interval: 20 })
      .toMatch(/^Waiting: summarizing another tab( \(part \d+ of \d+\))?$/);
    await panel.reload();

    await expect.poll(() => state(panel), { timeout: 10_000 }).toMatch(new RegExp(BUSY.join('|')));
    expect(await panel.getByTestId('stop').isVisible()).toBe(true);
    expect(await statusText(panel)).toMatch(/^Waiting: summarizing another tab/);
    await expect.poll(() => state(panel), { timeout: 180_000 }).toBe('done');
    await afterNextFrames(panel);
    const answers = panel.locator('[data-testid="chat-message"][data-role="assistant"]');
    expect(await answers.count()).toBe(1);
    expect((await answers.first().textContent())?.length ?? 0).toBeGreaterThan(10);
    for (const popup of popups) await expect.poll(() => state(popup), { timeout: 180_000 }).toBe('done');
    await Promise.all([panel.close(), ...popups.map((popup) => popup.close())]);
  });
});
