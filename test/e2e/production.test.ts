import { afterAll, beforeAll, expect, test } from 'vitest';
import { longArticleHtml } from '../support/article';
import { type Browser, launchBrowser, PRODUCTION_BUILD_DIR, type Site, serveSite } from './harness';

// The production build, as users install it, on a machine that can't reach the hub: the model download
// fails, and the user is told so with a way to try again.

let browser: Browser;
let site: Site;

beforeAll(async () => {
  site = await serveSite({ '/article': longArticleHtml('The harbour, sixty years on', 2_000) });
  browser = await launchBrowser(PRODUCTION_BUILD_DIR);
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

test('a model that cannot be downloaded gives a clear message and a Retry', async () => {
  const { tabId } = await browser.openTab(`${site.origin}/article`);
  const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
  // Before the first use the popup says what will be downloaded.
  await expect.poll(() => popup.getByTestId('first-use').textContent()).toMatch(/512 MB/);
  await popup.getByTestId('summarize').click();
  const status = popup.getByTestId('status');
  await expect.poll(() => status.getAttribute('data-state'), { timeout: 60_000 }).toBe('error');
  expect(await status.textContent()).toMatch(/Couldn’t download the model .*Check your connection/);
  expect(await popup.getByTestId('retry').isVisible()).toBe(true);

  // Retry tries again (and fails again, offline) rather than remembering the failure: the popup goes
  // through the loading states once more before the error.
  await popup.evaluate(() => {
    const states: string[] = [];
    (window as unknown as { states: string[] }).states = states;
    new MutationObserver(() => {
      states.push(document.querySelector('[data-testid="status"]')?.getAttribute('data-state') ?? '');
    }).observe(document.body, {
      subtree: true,
      attributes: true,
      attributeFilter: ['data-state'],
      childList: true,
    });
  });
  await popup.getByTestId('retry').click();
  await expect
    .poll(() => popup.evaluate(() => (window as unknown as { states: string[] }).states), { timeout: 60_000 })
    .toEqual(expect.arrayContaining(['reading', 'error']));
  expect(await status.getAttribute('data-state')).toBe('error');
  expect(await status.textContent()).toMatch(/Couldn’t download the model/);
});
