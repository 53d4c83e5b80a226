import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { longArticleHtml } from '../../support/article';
import { type Site, serveSite } from '../harness';
import { clickTestId, type Firefox, launchFirefox, statusState, testIdText } from './harness';

/*
 * Every flow again in real Firefox (headless Firefox ESR, the Firefox test build), with the same testing
 * contract as Chromium: pages opened as tabs with `?tab=`, driven through their data-testid. All of
 * Firefox's traffic goes through a recording loopback proxy; the last test is the privacy proof.
 */

let firefox: Firefox;
let site: Site;

beforeAll(async () => {
  site = await serveSite({ '/article': longArticleHtml('The harbour, sixty years on', 2_500) });
  firefox = await launchFirefox();
});

afterAll(async () => {
  await firefox?.close();
  await site?.close();
});

/** How many elements match a CSS selector. */
const count = (page: Page, selector: string) =>
  page.evaluate((css) => document.querySelectorAll(css).length, selector);
const answers = '[data-testid="chat-message"][data-role="assistant"]';

/** Selects the first paragraph containing `text` and returns the selected text. */
function select(page: Page, text: string): Promise<string> {
  return page.evaluate((needle) => {
    const paragraph = [...document.querySelectorAll('p')].find((p) => p.textContent?.includes(needle));
    if (!paragraph) throw new Error(`No paragraph with ${needle}`);
    const range = document.createRange();
    range.selectNodeContents(paragraph);
    getSelection()?.removeAllRanges();
    getSelection()?.addRange(range);
    return getSelection()?.toString() ?? '';
  }, text);
}

describe('Pagewise in Firefox', () => {
  test('summarize in the popup streams a summary on WASM, and reopening shows it again', async () => {
    const { tabId } = await firefox.openTab(`${site.origin}/article`);
    const popup = await firefox.openExtensionPage(`popup/index.html?tab=${tabId}`);
    await expect.poll(() => statusState(popup)).toBe('idle');
    const clickedAt = Date.now();
    await clickTestId(popup, 'summarize');
    await expect.poll(() => statusState(popup), { timeout: 120_000 }).toBe('done');
    const summary = await testIdText(popup, 'summary');
    expect(summary.length).toBeGreaterThan(20);
    expect(await testIdText(popup, 'status')).toMatch(/WASM/);
    console.info(`[e2e firefox] summarize: done ${(Date.now() - clickedAt) / 1000} s after the click`);
    await popup.close();

    const again = await firefox.openExtensionPage(`popup/index.html?tab=${tabId}`);
    await expect.poll(() => statusState(again)).toBe('done');
    await expect.poll(() => testIdText(again, 'summary')).toBe(summary);

    await again.close();
  });

  test('ask about a selection from the menu, chat with sources and highlight, then history', async () => {
    const { page, tabId } = await firefox.openTab(`${site.origin}/article`);
    const selectionText = await select(page, '300,000 visitors');
    // The real menu listener, called as Firefox calls it on a click (the test build's hook).
    await firefox.inExtension(
      async ({ tabId, selectionText }) => {
        const tab = await chrome.tabs.get(tabId);
        const background = (await chrome.runtime.getBackgroundPage()) as unknown as {
          pagewiseTest: { clickMenu(info: object, tab: chrome.tabs.Tab): Promise<void> };
        };
        await background.pagewiseTest.clickMenu(
          { menuItemId: 'ask-selection', selectionText, editable: false, pageUrl: tab.url },
          tab,
        );
      },
      { tabId, selectionText },
    );

    const panel = await firefox.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
    // The selection is quoted and the question box has the focus.
    await expect.poll(() => testIdText(panel, 'selection')).toContain('300,000 visitors a year');
    await expect
      .poll(() => panel.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('chat-input');
    await panel.type('[data-testid="chat-input"]', 'How many visitors come each year?');
    await panel.keyboard.press('Enter');
    await expect.poll(() => count(panel, '[data-testid="chat-message"][data-role="user"]')).toBe(1);
    await expect.poll(() => statusState(panel), { timeout: 120_000 }).toBe('done');
    await expect.poll(() => count(panel, answers)).toBe(1);

    // Its sources include the selected paragraph; clicking one highlights it on the page.
    await expect.poll(() => count(panel, '[data-testid="source"]')).toBeGreaterThan(0);
    const sources = await panel.evaluate(() =>
      [...document.querySelectorAll('[data-testid="source"]')].map((source) => source.textContent ?? ''),
    );
    const visitors = sources.findIndex((source) => source.includes('visitors'));
    expect(visitors).toBeGreaterThanOrEqual(0);
    await page.evaluate(() => getSelection()?.removeAllRanges());
    const sourceButtons = await panel.$$('[data-testid="source"]');
    await sourceButtons[visitors]?.click();
    await expect.poll(() => page.evaluate(() => CSS.highlights.has('pagewise-source'))).toBe(true);

    // History lists the conversation; Clear all empties it.
    await clickTestId(panel, 'history');
    await expect.poll(() => count(panel, '[data-testid="history-item"]')).toBe(1);
    await clickTestId(panel, 'clear-history');
    if ((await count(panel, '[data-testid="clear-history-confirm"]')) > 0)
      await clickTestId(panel, 'clear-history-confirm');
    await expect.poll(() => count(panel, '[data-testid="history-empty"]')).toBe(1);
    await panel.close();
    await page.close();
  });

  test('Settings shows the tiers Firefox has, with the reason for each it lacks, and where shortcuts change', async () => {
    const settings = await firefox.openExtensionPage('options/index.html');
    const rows = () =>
      settings.evaluate(() =>
        [...document.querySelectorAll('[data-testid="engine-tier"]')].map((row) => ({
          tier: row.getAttribute('data-tier'),
          state: row.getAttribute('data-state'),
          reason: row.querySelector('.tier__reason')?.textContent ?? '',
          inUse: row.getAttribute('aria-current') === 'true',
        })),
      );
    await expect.poll(async () => (await rows()).length, { timeout: 30_000 }).toBe(5);
    const byTier = Object.fromEntries((await rows()).map((row) => [row.tier, row]));
    // No WebGPU in Firefox on Linux, no Chrome model, no offscreen page for threads: single-thread WASM runs.
    expect(byTier.webgpu).toMatchObject({ state: 'unavailable', inUse: false });
    expect(byTier.webgpu?.reason).toMatch(/WebGPU/);
    expect(byTier['chrome-builtin']).toMatchObject({ state: 'unavailable', inUse: false });
    expect(byTier['chrome-builtin']?.reason).toMatch(/no built-in model/i);
    expect(byTier['wasm-threads']).toMatchObject({ state: 'unavailable', inUse: false });
    expect(byTier['wasm-threads']?.reason).toMatch(/offscreen/i);
    expect(byTier.wasm).toMatchObject({ state: 'available', inUse: true });
    // Shortcuts are changed in Firefox's add-ons manager, not on a chrome:// page.
    expect(await settings.evaluate(() => document.body.textContent)).toContain('about:addons');
    expect(await testIdText(settings, 'shortcut')).toMatch(/Alt\+Shift\+P/);
    await settings.close();
  });

  // Last of the flows: once open, the real sidebar takes the menu's pending question itself.
  test("the popup's chat button opens Firefox's sidebar within the click", async () => {
    const { tabId } = await firefox.openTab(`${site.origin}/article`);
    const popup = await firefox.openExtensionPage(`popup/index.html?tab=${tabId}`);
    await expect.poll(() => statusState(popup)).toBe('idle');
    const sidebarOpen = () =>
      firefox.inExtension(
        () =>
          (
            globalThis as unknown as { browser: { sidebarAction: { isOpen(o: object): Promise<boolean> } } }
          ).browser.sidebarAction.isOpen({}),
        undefined,
      );
    expect(await sidebarOpen()).toBe(false);
    // sidebarAction.open() is called before any await in the click handler, or Firefox refuses it.
    await clickTestId(popup, 'open-chat');
    await expect.poll(sidebarOpen).toBe(true);
    if (!popup.isClosed()) await popup.close();
  });

  test('privacy: through every flow above, Firefox contacted only the page under test', () => {
    const contacted = new Set(firefox.proxy.requests.map(({ url }) => new URL(url).origin));
    expect(firefox.proxy.requests.length).toBeGreaterThan(0);
    expect([...contacted]).toEqual([site.origin]);
  });
});
