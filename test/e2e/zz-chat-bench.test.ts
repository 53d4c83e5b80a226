import type { Page } from 'playwright-core';
import { test } from 'vitest';
import { longArticleHtml } from '../support/article';
import { launchBrowser, serveSite } from './harness';
const state = (p: Page) => p.getByTestId('status').getAttribute('data-state');
test('chat speed', async () => {
  const site = await serveSite({ '/a': longArticleHtml('The harbour, sixty years on', 6000) });
  const b = await launchBrowser('/tmp/dist-bench');
  const { tabId } = await b.openTab(site.origin + '/a');
  const p = await b.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
  // Warm the model with a first chat, then measure a fresh question and its follow-up.
  for (const [label, q] of [['warm-up', 'Hello?'], ['new chat, first question', 'How many visitors come each year?'], ['follow-up', 'Who runs the bakery?'], ['second follow-up', 'What does the council plan?']] as const) {
    if (label === 'new chat, first question') await p.getByTestId('new-chat').click();
    const count = await p.locator('[data-testid="chat-message"][data-role="assistant"]').count();
    await p.getByTestId('chat-input').fill(q);
    const t0 = Date.now();
    await p.getByTestId('chat-send').click();
    await p.waitForFunction((n) => { const m = document.querySelectorAll('[data-testid="chat-message"][data-role="assistant"]'); return m.length > n && (m[n]?.querySelector('.message__answer')?.textContent ?? '').length > 0; }, count, { timeout: 900000, polling: 50 });
    const t1 = Date.now();
    await p.waitForFunction(() => document.querySelector('[data-testid=status]')?.getAttribute('data-state') === 'done', null, { timeout: 900000 });
    console.log(`CHAT ${label}: first words after ${(t1 - t0) / 1000}s, answer done after ${(Date.now() - t0) / 1000}s`);
  }
  await b.close(); await site.close();
}, 1500000);
