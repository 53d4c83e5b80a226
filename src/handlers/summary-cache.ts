import browser from 'webextension-polyfill';
import { samePage } from '../page-url';
import type { SummaryResult } from '../protocol';

/*
 * The last summary of each tab, in session storage: it survives the popup closing and the worker being
 * stopped, and is gone when the browser closes (summaries are of what the user is reading now).
 */

const key = (tabId: number) => `summary:${tabId}`;

export async function saveSummary(tabId: number, summary: SummaryResult): Promise<void> {
  await browser.storage.session.set({ [key(tabId)]: summary });
}

/** The tab's last summary, if it was of the page the tab shows now (an in-page #anchor is the same page). */
export async function loadSummary(
  tabId: number,
  currentUrl: string | undefined,
): Promise<SummaryResult | null> {
  const stored = (await browser.storage.session.get(key(tabId)))[key(tabId)] as SummaryResult | undefined;
  return stored && currentUrl !== undefined && samePage(stored.url, currentUrl) ? stored : null;
}

export async function forgetSummary(tabId: number): Promise<void> {
  await browser.storage.session.remove(key(tabId));
}
