import { afterAll, beforeAll, expect, test } from 'vitest';
import { longArticleHtml } from '../support/article';
import { type Browser, launchBrowser, type Site, serveSite } from './harness';
import { type WorkerErrors, watchWorkerErrors } from './worker-errors';

/*
 * The worker's top-level listeners start work nobody awaits. Each flow that reaches them runs here in real
 * Chromium while DevTools watches the worker: any exception or rejection it leaves uncaught fails the test.
 */

// `OFFSCREEN_IDLE_ALARM` (src/engine/backends/offscreen/protocol.ts, which needs an extension context to
// import).
const OFFSCREEN_IDLE_ALARM = 'pagewise:offscreen-idle';

let browser: Browser;
let site: Site;
let errors: WorkerErrors;

beforeAll(async () => {
  site = await serveSite({ '/article': longArticleHtml('The harbour, sixty years on', 1_500) });
  // 2 cores: the summary runs in the worker (wasm), so the offscreen document below is the test's own.
  browser = await launchBrowser(undefined, undefined, { cores: 2 });
  errors = await watchWorkerErrors(browser.context, browser.extensionId);
});

afterAll(async () => {
  await errors?.stop();
  await browser?.close();
  await site?.close();
});

/** Fires one of the worker's real listeners, as Chrome fires it (`dispatch` is not in the typings). */
function fire(event: 'installed' | 'menu' | 'command' | 'alarm', tabId: number, extra: string | null = null) {
  return browser.worker.evaluate(
    async ({ event, tabId, extra }) => {
      const dispatch = (target: unknown, ...args: unknown[]) =>
        (target as { dispatch(...a: unknown[]): void }).dispatch(...args);
      const tab = await chrome.tabs.get(tabId).catch(() => ({ id: tabId, url: 'https://closed.test/' }));
      if (event === 'installed') dispatch(chrome.runtime.onInstalled, { reason: 'install' });
      if (event === 'menu')
        dispatch(
          chrome.contextMenus.onClicked,
          {
            menuItemId: 'ask-selection-explain',
            selectionText: 'harbour',
            editable: false,
            pageUrl: tab.url,
          },
          tab,
        );
      if (event === 'command') dispatch(chrome.commands.onCommand, 'open-side-panel', tab);
      // Twice at once, as when the alarm fires while a dispose closes the page too.
      if (event === 'alarm')
        for (const _ of [1, 2]) dispatch(chrome.alarms.onAlarm, { name: extra, scheduledTime: Date.now() });
    },
    { event, tabId, extra },
  );
}

/** Lets the work a listener started settle (a rejection is reported when its microtasks have run). */
const settle = () => browser.worker.evaluate(() => new Promise((resolve) => setTimeout(resolve, 500)));

test('the watcher sees a rejection nobody handles', async () => {
  await browser.worker.evaluate(() => {
    setTimeout(() => void Promise.reject(new Error('deliberately unhandled')), 0);
  });
  await expect.poll(() => errors.exceptions.map((e) => e.description).join('\n')).toContain('deliberately');
});

test('install, menus on restricted and closed tabs, the shortcut, a summary, the idle alarm, a tab closed', async () => {
  const before = errors.exceptions.length;
  const { page, tabId } = await browser.openTab(`${site.origin}/article`);
  const restricted = await browser.openTab('chrome://version');

  await fire('installed', tabId);
  await fire('menu', restricted.tabId);
  await fire('command', restricted.tabId);

  // A summary, with a length picked in the popup on the way (a settings write through the worker).
  const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
  const status = popup.getByTestId('status');
  await expect.poll(() => status.getAttribute('data-state')).toBe('idle');
  await popup.getByLabel('Brief').check();
  const storedLength = () =>
    browser.worker.evaluate(async () => {
      const { settings } = await chrome.storage.local.get('settings');
      return (settings as { summaryLength?: string } | undefined)?.summaryLength;
    });
  await expect.poll(storedLength).toBe('brief');
  await popup.getByTestId('summarize').click();
  await expect.poll(() => status.getAttribute('data-state'), { timeout: 180_000 }).toBe('done');

  // The offscreen page open, and its idle alarm.
  await browser.worker.evaluate(async () => {
    await chrome.offscreen.createDocument({
      url: 'offscreen/index.html',
      reasons: [chrome.offscreen.Reason.WORKERS],
      justification: 'test',
    });
  });
  await fire('alarm', tabId, OFFSCREEN_IDLE_ALARM);

  await page.close();
  await restricted.page.close();
  await fire('menu', tabId);
  await fire('command', tabId);
  await settle();

  expect(errors.exceptions.slice(before)).toEqual([]);
});
