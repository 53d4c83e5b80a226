import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { longArticleHtml } from '../support/article';
import { afterNextFrames, type Browser, launchBrowser } from './harness';

let folder: string;
let articleUrl: string;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'pagewise-files-'));
  const path = join(folder, 'harbour.html');
  writeFileSync(path, longArticleHtml('The harbour, saved to disk', 2_500));
  articleUrl = pathToFileURL(path).href;
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

const fileAccessOf = (browser: Browser) =>
  browser.worker.evaluate(() => chrome.extension.isAllowedFileSchemeAccess());

async function openPopupOnFile(browser: Browser): Promise<Page> {
  const { tabId } = await browser.openTab(articleUrl);
  return browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
}

describe('a page opened from a file, with file access allowed', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser(undefined, undefined, { fileAccess: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('is summarized from the popup', async () => {
    expect(await fileAccessOf(browser)).toBe(true);
    const popup = await openPopupOnFile(browser);
    await popup.getByTestId('summarize').click();
    await expect
      .poll(() => popup.getByTestId('status').getAttribute('data-state'), { timeout: 180_000 })
      .toBe('done');
    await afterNextFrames(popup);
    expect((await popup.getByTestId('summary').textContent())?.trim()).not.toBe('');
    expect(await popup.getByTestId('unreadable').count()).toBe(0);
  });
});

describe('a page opened from a file, without file access', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser(undefined, undefined, { fileAccess: false });
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('says how to allow it, and offers no Summarize', async () => {
    expect(await fileAccessOf(browser)).toBe(false);
    const popup = await openPopupOnFile(browser);
    expect(await popup.getByTestId('unreadable').textContent()).toMatch(/Allow access to file URLs/);
    expect(await popup.getByTestId('summarize').isDisabled()).toBe(true);
  });
});
