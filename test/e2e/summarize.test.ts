import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { longArticleHtml } from '../support/article';
import { afterNextFrames, type Browser, launchBrowser, recordStatus, type Site, serveSite } from './harness';

let browser: Browser;
let site: Site;

beforeAll(async () => {
  site = await serveSite({
    '/article': longArticleHtml('The harbour, sixty years on', 2_500),
    '/long': longArticleHtml('The harbour, the long read', 9_000),
    '/empty': '<!doctype html><html><head><title>Nothing here</title></head><body></body></html>',
  });
  // 2 cores: automatic runs the model in the worker (wasm), which a worker stopped mid-summary interrupts.
  browser = await launchBrowser(undefined, undefined, { cores: 2 });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

const openArticle = (path: string) => browser.openTab(path.startsWith('/') ? site.origin + path : path);

const status = (popup: Page) => popup.getByTestId('status');

describe('summarize this page', () => {
  test('streams a summary of an article, then remembers it', async () => {
    const { tabId } = await openArticle('/article');
    const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
    await expect.poll(() => status(popup).getAttribute('data-state')).toBe('idle');

    // Record every distinct text the summary shows, to see it stream rather than appear at once.
    await popup.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      const target = document.querySelector('[data-testid="summary"]') ?? document.body;
      new MutationObserver(() => {
        const text = document.querySelector('[data-testid="summary"]')?.textContent ?? '';
        if (text && text !== seen.at(-1)) seen.push(text);
      }).observe(target.parentElement ?? document.body, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    });

    const clickedAt = Date.now();
    await popup.getByTestId('summarize').click();
    await expect
      .poll(() => status(popup).getAttribute('data-state'), { timeout: 120_000 })
      .toBe('generating');
    await expect
      .poll(async () => (await popup.getByTestId('summary').textContent())?.length ?? 0, {
        timeout: 120_000,
      })
      .toBeGreaterThan(0);
    const firstTextAt = Date.now();
    await expect.poll(() => status(popup).getAttribute('data-state'), { timeout: 180_000 }).toBe('done');
    const doneAt = Date.now();
    await afterNextFrames(popup);

    const summary = (await popup.getByTestId('summary').textContent()) ?? '';
    const seen = await popup.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(summary.length).toBeGreaterThan(20);
    expect(seen.length).toBeGreaterThan(3);
    expect(await status(popup).textContent()).toBeTruthy();
    const stored = await browser.worker.evaluate(
      async (key) => (await chrome.storage.session.get(key))[key] as { tokensPerSecond: number },
      `summary:${tabId}`,
    );
    console.info(
      `[e2e] summarize: first text ${(firstTextAt - clickedAt) / 1000} s after the click, ` +
        `${summary.length} characters in ${(doneAt - firstTextAt) / 1000} s, ${stored.tokensPerSecond.toFixed(1)} tokens/s`,
    );

    // Reopening the popup for the same tab shows the same summary, without running the model again.
    await popup.close();
    const again = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
    await expect.poll(() => status(again).getAttribute('data-state')).toBe('done');
    await afterNextFrames(again);
    expect(await again.getByTestId('summary').textContent()).toBe(summary);
    await again.close();
  });

  test('a long page is read in parts; Stop ends a run at once and frees the worker', async () => {
    const { tabId } = await openArticle('/long');
    const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
    const log = await recordStatus(popup);
    await popup.getByTestId('summarize').click();
    await expect.poll(() => status(popup).getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
    const { texts } = await log();
    expect(texts.some((text) => /part 1 of \d+/i.test(text))).toBe(true);
    expect(texts.some((text) => /part 2 of \d+/i.test(text))).toBe(true);

    // Stop, pressed while the run has barely started, ends it: unfinished, not done and not an error.
    await popup.getByTestId('summarize').click();
    await popup.getByTestId('stop').click({ timeout: 2_000 });
    await expect.poll(() => status(popup).getAttribute('data-state'), { timeout: 10_000 }).toBe('idle');
    expect(await status(popup).textContent()).toMatch(/stopped/i);
    // The worker is free again: a new request runs to the end.
    await popup.getByTestId('summarize').click();
    await expect.poll(() => status(popup).getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
    await popup.close();
  });

  test('the content script can be injected again by the worker (tabs opened before an install or update)', async () => {
    const { tabId } = await openArticle('/article');
    const answers = await browser.worker.evaluate(async (id) => {
      const files = chrome.runtime.getManifest().content_scripts?.flatMap((script) => script.js ?? []) ?? [];
      await chrome.scripting.executeScript({ target: { tabId: id }, files });
      // The injected loader imports the script's module asynchronously: ask until it listens.
      for (let attempt = 0; ; attempt++) {
        try {
          const reply = await chrome.tabs.sendMessage(
            id,
            { protocol: 'pagewise/1', name: 'extractPage', data: {} },
            { frameId: 0 },
          );
          return { files: files.length, title: (reply as { value?: { title?: string } }).value?.title };
        } catch (error) {
          if (attempt > 30) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }, tabId);
    expect(answers.files).toBeGreaterThan(0);
    expect(answers.title).toBe('The harbour, sixty years on');
  });

  test('a worker stopped mid-summary gives a message, and the next try works', async () => {
    const { tabId } = await openArticle('/long');
    const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
    await popup.getByTestId('summarize').click();
    // Stopped while the run is under way (it reads six parts, which takes far longer than this).
    await browser.stopWorker();
    await expect.poll(() => status(popup).getAttribute('data-state'), { timeout: 10_000 }).toBe('error');
    expect(await status(popup).textContent()).toMatch(/stopped before it finished/i);
    // The next request wakes the worker again, which loads the model again and answers.
    await popup.getByTestId('summarize').click();
    await expect.poll(() => status(popup).getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
    await popup.close();
  });

  test('a browser page gets the worker’s reason and no Summarize', async () => {
    const { tabId } = await openArticle('chrome://version/');
    const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
    expect(await popup.getByTestId('unreadable').textContent()).toMatch(/chrome:\/\//);
    expect(await popup.getByTestId('summarize').isDisabled()).toBe(true);
    await popup.close();
  });

  test('a page with no text gets a clear message, not a spinner', async () => {
    const { tabId } = await openArticle('/empty');
    const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
    await popup.getByTestId('summarize').click();
    await expect.poll(() => status(popup).getAttribute('data-state'), { timeout: 30_000 }).toBe('error');
    expect(await status(popup).textContent()).toMatch(/no text/i);
    await popup.close();
  });
});
