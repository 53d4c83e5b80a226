import browser from 'webextension-polyfill';
import { AppError } from '../errors';
import { type PageContent, sendToTab, type TabReadability } from '../protocol';
import { unreadableReasonWithAccess } from '../text/restricted';
import { type ReadPdfOptions, readPdf } from './pdf-reader';

/** A page that doesn't answer within this time is reported instead of leaving a spinner. */
const PAGE_ANSWER_TIMEOUT_MS = 15_000;

/**
 * Why the tab's page can't be read, as a message for the user that says what to do; null when it can. The one
 * place that judges it: everything that reads a page, and every page that offers to, asks this.
 */
export async function whyUnreadable(tab: browser.Tabs.Tab): Promise<string | null> {
  const reason = await unreadableReasonWithAccess(tab.url, () =>
    browser.extension.isAllowedFileSchemeAccess(),
  );
  return reason?.message ?? null;
}

/** Serves `getTabReadability`: lets the popup offer Summarize only where reading can work. */
export async function getTabReadability(tabId: number): Promise<TabReadability> {
  return { unreadable: await whyUnreadable(await browser.tabs.get(tabId)) };
}

/** How a page is read: a PDF's password (for this request only), its reading progress, and Stop. */
export type ReadPageOptions = ReadPdfOptions;

/**
 * Reads the tab's page through its content script; a PDF tab then gets the PDF reader (see `readPdf`). Tabs
 * opened before the extension was installed or updated have no (or a stale) content script: inject it once
 * and ask again.
 */
export async function readPage(tabId: number, options: ReadPageOptions = {}): Promise<PageContent> {
  const unreadable = await whyUnreadable(await browser.tabs.get(tabId));
  if (unreadable) throw new AppError('unreadable-page', unreadable);
  const page = await extractPage(tabId);
  return page.source === 'pdf' ? readPdf(tabId, page, options) : page;
}

async function extractPage(tabId: number): Promise<PageContent> {
  try {
    return await withTimeout(sendToTab(tabId, 'extractPage', {}));
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'page-unreachable') throw error;
    await injectContentScript(tabId).catch(() => {
      throw error;
    });
    return withTimeout(askUntilListening(tabId));
  }
}

/** How long an injected content script gets to start listening, and how often it is asked meanwhile. */
const LISTEN_WAIT_MS = 3_000;
const LISTEN_POLL_MS = 100;

/**
 * Asks a freshly injected content script: its loader imports the script's module asynchronously, so the
 * first asks may find no listener yet.
 */
async function askUntilListening(tabId: number): Promise<PageContent> {
  const deadline = Date.now() + LISTEN_WAIT_MS;
  for (;;) {
    try {
      return await sendToTab(tabId, 'extractPage', {});
    } catch (error) {
      const unreachable = error instanceof AppError && error.code === 'page-unreachable';
      if (!unreachable || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, LISTEN_POLL_MS));
    }
  }
}

async function injectContentScript(tabId: number): Promise<void> {
  const files = browser.runtime.getManifest().content_scripts?.flatMap((script) => script.js ?? []) ?? [];
  await browser.scripting.executeScript({ target: { tabId }, files });
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AppError('page-unreachable', 'The page did not answer. Reload it and try again.')),
      PAGE_ANSWER_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
