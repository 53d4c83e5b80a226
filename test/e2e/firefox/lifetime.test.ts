import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { longArticleHtml } from '../../support/article';
import { type Site, serveSite } from '../harness';
import { clickTestId, type Firefox, launchFirefox, statusState, testIdText } from './harness';

/*
 * Firefox suspends an idle background page after `extensions.background.idle.timeout` (30 s by default),
 * even with a timer running or a port open that carries nothing. Here the timeout is 1 s (the pref is in
 * milliseconds): detailed summaries of six long pages, queued one after another with their popups closed
 * (nothing listens to them), must all finish, the background kept awake by its jobs alone for several times
 * the timeout (without the keepalive of src/protocol/jobs.ts the background is suspended mid-way and this
 * fails). Once idle, the background is suspended for real; the summaries survive it (session storage), and
 * the next summary wakes it and works.
 */

const IDLE_TIMEOUT_MS = 1_000;
const LONG_PAGES = ['/long/1', '/long/2', '/long/3', '/long/4', '/long/5', '/long/6'];

let firefox: Firefox;
let site: Site;

beforeAll(async () => {
  site = await serveSite({
    ...Object.fromEntries(
      LONG_PAGES.map((path, i) => [path, longArticleHtml(`The harbour, long read ${i + 1}`, 12_000)]),
    ),
    '/article': longArticleHtml('The harbour, sixty years on', 2_500),
  });
  firefox = await launchFirefox(undefined, {
    prefs: { 'extensions.background.idle.timeout': IDLE_TIMEOUT_MS },
  });
});

afterAll(async () => {
  await firefox?.close();
  await site?.close();
});

const storedSummary = (tabId: number) =>
  firefox.inExtension(
    async (key) => (await chrome.storage.session.get(key))[key] ?? null,
    `summary:${tabId}`,
  );

describe('the background page on Firefox, with the idle timeout lowered', () => {
  const longTabs: number[] = [];

  test('six long summaries, queued with their popups closed, all finish: the background awake all along', async () => {
    const popups = [];
    for (const path of LONG_PAGES) {
      const { tabId } = await firefox.openTab(site.origin + path);
      longTabs.push(tabId);
      const popup = await firefox.openExtensionPage(`popup/index.html?tab=${tabId}`);
      await expect.poll(() => statusState(popup)).toBe('idle');
      // The longest summaries: every main point of every part.
      await popup.click('input[name="summary-length"][value="detailed"]');
      popups.push(popup);
    }
    for (const popup of popups) await clickTestId(popup, 'summarize');
    // Each has started (the first may be done already; the others wait their turn in the queue).
    for (const popup of popups)
      await expect
        .poll(() => statusState(popup), { timeout: 60_000 })
        .toMatch(/loading|reading|generating|done/);
    const closedAt = Date.now();
    // Nothing listens to the jobs any more: only their own keepalive holds the background.
    for (const popup of popups) await popup.close();

    let suspended = false;
    const done = async () => {
      if (!(await firefox.backgroundRunning())) suspended = true;
      const stored = await Promise.all(longTabs.map(storedSummary));
      return stored.every((summary) => summary !== null) || suspended;
    };
    await expect.poll(done, { timeout: 240_000, interval: 250 }).toBe(true);
    expect(suspended).toBe(false);
    console.info(
      `[e2e firefox] six summaries ran on ${(Date.now() - closedAt) / 1000} s after their popups closed, ` +
        `with a ${IDLE_TIMEOUT_MS / 1000} s idle timeout`,
    );
  });

  test('idle, the background is suspended; the summary survives it, and the next one wakes it', async () => {
    await expect.poll(() => firefox.backgroundRunning(), { timeout: 60_000, interval: 250 }).toBe(false);

    const again = await firefox.openExtensionPage(`popup/index.html?tab=${longTabs[0]}`);
    await expect.poll(() => statusState(again)).toBe('done');
    // The summary's Markdown lands on the next frame after the status says done.
    await expect.poll(async () => (await testIdText(again, 'summary')).length).toBeGreaterThan(20);
    await again.close();

    const { tabId } = await firefox.openTab(`${site.origin}/article`);
    const popup = await firefox.openExtensionPage(`popup/index.html?tab=${tabId}`);
    await clickTestId(popup, 'summarize');
    await expect.poll(() => statusState(popup), { timeout: 120_000 }).toBe('done');
    await expect.poll(async () => (await testIdText(popup, 'summary')).length).toBeGreaterThan(20);
    await popup.close();
  });
});
