import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { longArticleHtml } from '../support/article';
import { afterNextFrames, type Browser, createProfile, launchBrowser, type Site, serveSite } from './harness';

let browser: Browser;
let site: Site;

beforeAll(async () => {
  site = await serveSite({ '/article': longArticleHtml('The harbour, sixty years on', 5_000) });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

const state = (panel: Page) => panel.getByTestId('status').getAttribute('data-state');
const messages = (panel: Page, role: 'user' | 'assistant') =>
  panel.locator(`[data-testid="chat-message"][data-role="${role}"]`);
/** An answer's own text (its sources and notes aside); Markdown is drawn once per animation frame. */
const answerText = (panel: Page, index: number) =>
  messages(panel, 'assistant').nth(index).locator('.message__answer').textContent();

/** Selects the first paragraph that contains `text` on the page and returns the selected text. */
async function select(page: Page, text: string): Promise<string> {
  return page.evaluate((needle) => {
    const paragraph = [...document.querySelectorAll('p')].find((p) => p.textContent?.includes(needle));
    if (!paragraph) throw new Error(`No paragraph with ${needle}`);
    const range = document.createRange();
    range.selectNodeContents(paragraph);
    const selection = getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    return selection?.toString() ?? '';
  }, text);
}

describe('ask about a selection, then chat in the side panel', () => {
  test('right-click question, streamed answer with sources, follow-up stopped, history kept and cleared', async () => {
    const { page, tabId } = await browser.openTab(`${site.origin}/article`);
    const selection = await select(page, '300,000 visitors');

    // The real context-menu listener, fired as Chrome fires it on a click.
    await browser.worker.evaluate(
      async ({ tabId, selectionText }) => {
        const tab = await chrome.tabs.get(tabId);
        // `dispatch` exists on Chrome's event objects but not in their typings.
        (chrome.contextMenus.onClicked as unknown as { dispatch(...args: unknown[]): void }).dispatch(
          {
            menuItemId: 'ask-selection',
            selectionText,
            editable: false,
            pageUrl: tab.url,
          } as chrome.contextMenus.OnClickData,
          tab,
        );
      },
      { tabId, selectionText: selection },
    );

    const panel = await browser.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
    // The selection is quoted, as text, and the question box has the focus.
    await expect
      .poll(() => panel.getByText('300,000 visitors a year', { exact: false }).count())
      .toBeGreaterThan(0);
    await expect
      .poll(() => panel.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('chat-input');

    await panel.getByTestId('chat-input').fill('How many visitors come each year?');
    await panel.getByTestId('chat-input').press('Enter');
    await expect.poll(() => messages(panel, 'user').count()).toBe(1);
    expect(await messages(panel, 'user').first().textContent()).toContain(
      'How many visitors come each year?',
    );
    await expect.poll(() => state(panel), { timeout: 120_000 }).toBe('done');
    await afterNextFrames(panel);
    const firstAnswer = await answerText(panel, 0);
    expect(firstAnswer?.length).toBeGreaterThan(10);

    // The answer lists the passages it used; one of them is the selected paragraph, and clicking it
    // highlights it on the page.
    await expect.poll(() => panel.getByTestId('source').count()).toBeGreaterThan(0);
    const sources = await panel.getByTestId('source').allTextContents();
    expect(sources.some((s) => s.includes('visitors'))).toBe(true);
    await page.evaluate(() => getSelection()?.removeAllRanges());
    await panel.getByTestId('source').filter({ hasText: 'visitors' }).first().click();
    await expect.poll(() => page.evaluate(() => CSS.highlights.has('pagewise-source'))).toBe(true);

    // A follow-up, stopped while it streams: the partial answer stays.
    await panel.getByTestId('chat-input').fill('Who runs the bakery?');
    await panel.getByTestId('chat-send').click();
    await expect.poll(() => messages(panel, 'user').count()).toBe(2);
    await expect
      .poll(async () => (await answerText(panel, 1))?.length ?? 0, {
        timeout: 60_000,
        interval: 20,
      })
      .toBeGreaterThan(0);
    await panel.getByTestId('stop').click();
    await expect.poll(() => state(panel), { timeout: 10_000 }).not.toMatch(/generating|loading|reading/);
    expect(await messages(panel, 'assistant').count()).toBe(2);
    expect(await messages(panel, 'assistant').nth(1).getAttribute('data-status')).toBe('stopped');
    // The worker may write a token or two before it sees the Stop; the panel then shows what it saved.
    let partial = await answerText(panel, 1);
    await expect
      .poll(async () => {
        await panel.waitForTimeout(300);
        const now = await answerText(panel, 1);
        const settled = now === partial && Boolean(now);
        partial = now;
        return settled;
      })
      .toBe(true);

    // Reloading the panel shows the same conversation from the history database.
    await panel.reload();
    await expect.poll(() => messages(panel, 'user').count(), { timeout: 10_000 }).toBe(2);
    await expect.poll(() => answerText(panel, 0)).toBe(firstAnswer);
    // The stopped answer was saved as far as it had got, and says it was stopped.
    expect(await answerText(panel, 1)).toBe(partial);
    expect(await messages(panel, 'assistant').nth(1).getAttribute('data-status')).toBe('stopped');

    // Clear all: gone now, and still gone after another reload.
    await panel.getByTestId('history').click();
    await panel.getByTestId('clear-history').click();
    const confirm = panel.getByTestId('clear-history-confirm');
    if (await confirm.count()) await confirm.click();
    await panel.reload();
    await expect.poll(() => panel.getByTestId('chat-message').count()).toBe(0);
    // Nothing of what was read is left on disk: no chat, and no page indexed for one.
    const stored = await browser.worker.evaluate(async () => {
      const records: Record<string, number> = {};
      for (const name of ['pagewise-history', 'pagewise-index']) {
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const open = indexedDB.open(name);
          open.onsuccess = () => resolve(open.result);
          open.onerror = () => reject(open.error);
        });
        for (const store of [...db.objectStoreNames]) {
          records[`${name}/${store}`] = await new Promise<number>((resolve) => {
            const request = db.transaction(store).objectStore(store).count();
            request.onsuccess = () => resolve(request.result);
          });
        }
        db.close();
      }
      return records;
    });
    expect(Object.keys(stored)).toEqual(
      expect.arrayContaining(['pagewise-index/pages', 'pagewise-history/conversations']),
    );
    expect(Object.values(stored).every((count) => count === 0)).toBe(true);
  });

  test('the history survives a browser restart', async () => {
    const profile = createProfile();
    try {
      let restarted = await launchBrowser(undefined, profile.dir);
      let { tabId } = await restarted.openTab(`${site.origin}/article`);
      let panel = await restarted.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
      await panel.getByTestId('chat-input').fill('What comes next for the harbour?');
      await panel.getByTestId('chat-send').click();
      await expect.poll(() => state(panel), { timeout: 120_000 }).toBe('done');
      await afterNextFrames(panel);
      const answer = await answerText(panel, 0);
      await restarted.close();

      restarted = await launchBrowser(undefined, profile.dir);
      ({ tabId } = await restarted.openTab(`${site.origin}/article`));
      panel = await restarted.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
      await expect.poll(() => messages(panel, 'user').count(), { timeout: 10_000 }).toBe(1);
      expect(await messages(panel, 'user').first().textContent()).toContain(
        'What comes next for the harbour?',
      );
      await afterNextFrames(panel);
      expect(await answerText(panel, 0)).toBe(answer);
      await restarted.close();
    } finally {
      profile.remove();
    }
  });
});
