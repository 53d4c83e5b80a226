import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  CJK_SENTENCE,
  cjkDocument,
  damagedDocument,
  hugePaper,
  PDF_PASSWORD,
  PLANTED_PAGE,
  PLANTED_SENTENCE,
  protectedPaper,
  scannedDocument,
  twoColumnPaper,
} from '../support/test-pdfs';
import { afterNextFrames, type Browser, launchBrowser, recordStatus } from './harness';

// PDFs in Chrome's own viewer, served from loopback and opened from disk, read by the real PDF reader and
// summarized or answered by the test build's real engine.

const PDFS: Record<string, Uint8Array> = {
  '/paper.pdf': twoColumnPaper(),
  '/huge.pdf': hugePaper(),
  '/protected.pdf': protectedPaper(),
  '/scan.pdf': scannedDocument(),
  '/cjk.pdf': cjkDocument(),
  '/damaged.pdf': damagedDocument(),
};

let server: Server;
let origin: string;
let browser: Browser;
let folder: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const body = PDFS[new URL(request.url ?? '/', 'http://x').pathname];
    if (!body) response.writeHead(404).end('Not found');
    else response.writeHead(200, { 'content-type': 'application/pdf' }).end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  folder = mkdtempSync(join(tmpdir(), 'pagewise-pdfs-'));
  writeFileSync(join(folder, 'paper.pdf'), twoColumnPaper());
  browser = await launchBrowser(undefined, undefined, { fileAccess: true });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((done) => server?.close(done));
  if (folder) rmSync(folder, { recursive: true, force: true });
});

const state = (page: Page) => page.getByTestId('status').getAttribute('data-state');

async function popupOn(url: string): Promise<{ popup: Page; tabId: number; tab: Page }> {
  const { page: tab, tabId } = await browser.openTab(url);
  const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
  return { popup, tabId, tab };
}

async function summarizeToEnd(popup: Page): Promise<void> {
  await popup.getByTestId('summarize').click();
  await expect.poll(() => state(popup), { timeout: 180_000 }).toMatch(/^(done|error)$/);
}

describe('a PDF in Chrome’s viewer', () => {
  test('is summarized, its pages read with progress shown', async () => {
    const { popup } = await popupOn(`${origin}/paper.pdf`);
    expect(await popup.getByTestId('unreadable').count()).toBe(0);
    const log = await recordStatus(popup);
    await summarizeToEnd(popup);
    expect(await state(popup)).toBe('done');
    await afterNextFrames(popup);
    expect((await popup.getByTestId('summary').textContent())?.trim()).not.toBe('');
    expect((await log()).texts.some((text) => /Reading the PDF… page \d+ of 14/.test(text))).toBe(true);
  });

  test('of 300 pages is read only as far as the budget, with progress', async () => {
    const { popup } = await popupOn(`${origin}/huge.pdf`);
    const log = await recordStatus(popup);
    await summarizeToEnd(popup);
    expect(await state(popup)).toBe('done');
    const pages = (await log()).texts
      .flatMap((text) => /page (\d+) of 300/.exec(text)?.[1] ?? [])
      .map(Number);
    expect(pages.length).toBeGreaterThan(0);
    // The character budget ends reading long before the last page.
    expect(Math.max(...pages)).toBeLessThan(300);
    expect(await popup.getByTestId('coverage').count()).toBe(1);
  });

  test('answers a question in the side panel with page-numbered sources, and a source opens its page', async () => {
    const { page: tab, tabId } = await browser.openTab(`${origin}/paper.pdf`);
    const panel = await browser.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
    await panel
      .getByTestId('chat-input')
      .fill('Where does the lighthouse keeper store saffron? copper kettle');
    await panel.getByTestId('chat-input').press('Enter');
    await expect.poll(() => state(panel), { timeout: 180_000 }).toBe('done');
    const sources = panel.getByTestId('source');
    await expect.poll(() => sources.count()).toBeGreaterThan(0);
    const pages = await sources.evaluateAll((all) => all.map((el) => el.getAttribute('data-page')));
    expect(pages.every((page) => page !== null && /^\d+$/.test(page))).toBe(true);
    expect(pages).toContain(String(PLANTED_PAGE));
    const planted = panel.locator(`[data-testid="source"][data-page="${PLANTED_PAGE}"]`).first();
    expect(await planted.textContent()).toContain(`p. ${PLANTED_PAGE}`);
    await planted.click();
    await expect.poll(() => tab.url()).toBe(`${origin}/paper.pdf#page=${PLANTED_PAGE}`);
  });

  test('answers about a selection made in the viewer, citing the page it is on', async () => {
    // Its own address: chats are kept per page, and this one must start from none.
    const { tabId } = await browser.openTab(`${origin}/paper.pdf?asked=selection`);
    // The real context-menu listener, fired as Chrome fires it for a selection in its PDF viewer.
    await browser.worker.evaluate(
      async ({ tabId, selectionText }) => {
        const tab = await chrome.tabs.get(tabId);
        (chrome.contextMenus.onClicked as unknown as { dispatch(...args: unknown[]): void }).dispatch(
          { menuItemId: 'ask-selection-explain', selectionText, editable: false, pageUrl: tab.url },
          tab,
        );
      },
      { tabId, selectionText: PLANTED_SENTENCE },
    );
    const panel = await browser.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
    const answers = panel.locator('[data-testid="chat-message"][data-role="assistant"]');
    await expect.poll(() => answers.count(), { timeout: 60_000 }).toBeGreaterThan(0);
    await expect.poll(() => state(panel), { timeout: 180_000 }).toBe('done');
    // The passage holding the selection comes first among the sources.
    expect(await panel.getByTestId('source').first().getAttribute('data-page')).toBe(String(PLANTED_PAGE));
  });

  test('in a font with a predefined CMap is read through the packaged cMaps', async () => {
    const { tabId } = await browser.openTab(`${origin}/cjk.pdf`);
    const panel = await browser.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
    await panel.getByTestId('chat-input').fill('What does the Japanese sentence say?');
    await panel.getByTestId('chat-input').press('Enter');
    await expect.poll(() => state(panel), { timeout: 180_000 }).toBe('done');
    await expect
      .poll(() => panel.getByTestId('source').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining(CJK_SENTENCE)]));
  });

  test('protected by a password asks for it, says when it is wrong, and opens with the right one', async () => {
    const { popup } = await popupOn(`${origin}/protected.pdf`);
    await summarizeToEnd(popup);
    expect(await popup.getByTestId('error').getAttribute('data-code')).toBe('password-required');
    await popup.getByTestId('pdf-password').fill('not the password');
    await popup.getByTestId('pdf-password-submit').click();
    await expect.poll(() => popup.getByTestId('error').getAttribute('data-code')).toBe('password-wrong');
    expect(await popup.getByTestId('status').textContent()).toMatch(/wrong password/);
    await popup.getByTestId('pdf-password').fill(PDF_PASSWORD);
    await popup.getByTestId('pdf-password-submit').click();
    await expect.poll(() => state(popup), { timeout: 180_000 }).toBe('done');
    // Never stored: not in any of the extension's storage areas.
    const stored = await browser.worker.evaluate(async () =>
      JSON.stringify([await chrome.storage.local.get(null), await chrome.storage.session.get(null)]),
    );
    expect(stored).not.toContain(PDF_PASSWORD);
  });

  test('protected by a password asks for it in the side panel too, then answers', async () => {
    const { tabId } = await browser.openTab(`${origin}/protected.pdf?asked=panel`);
    const panel = await browser.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
    await panel.getByTestId('chat-input').fill('What is this about?');
    await panel.getByTestId('chat-input').press('Enter');
    await expect.poll(() => panel.getByTestId('error').getAttribute('data-code')).toBe('password-required');
    await panel.getByTestId('pdf-password').fill(PDF_PASSWORD);
    await panel.getByTestId('pdf-password-submit').click();
    await expect.poll(() => state(panel), { timeout: 180_000 }).toBe('done');
    const answers = panel.locator('[data-testid="chat-message"][data-role="assistant"]');
    expect(await answers.count()).toBe(1);
  });

  test('that is a scan says it has no text layer', async () => {
    const { popup } = await popupOn(`${origin}/scan.pdf`);
    await summarizeToEnd(popup);
    expect(await state(popup)).toBe('error');
    expect(await popup.getByTestId('status').textContent()).toBe(
      "This PDF has no text layer (it looks scanned), so Pagewise can't read it.",
    );
  });

  test('that is damaged gets a clear error', async () => {
    const { popup } = await popupOn(`${origin}/damaged.pdf`);
    await summarizeToEnd(popup);
    expect(await state(popup)).toBe('error');
    expect(await popup.getByTestId('status').textContent()).toMatch(/^This PDF is damaged/);
  });
});

describe('a PDF opened from disk (file://, with file access)', () => {
  test('is summarized, its bytes read by the worker', async () => {
    const { popup } = await popupOn(pathToFileURL(join(folder, 'paper.pdf')).href);
    expect(await popup.getByTestId('unreadable').count()).toBe(0);
    await summarizeToEnd(popup);
    expect(await state(popup)).toBe('done');
    await afterNextFrames(popup);
    expect((await popup.getByTestId('summary').textContent())?.trim()).not.toBe('');
  });
});
