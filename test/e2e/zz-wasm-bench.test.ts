import { test } from 'vitest';
import { launchBrowser, serveSite } from './harness';
test('wasm speed', async () => {
  const para = (n: number) => Array.from({ length: n }, (_, i) => `<p>Paragraph ${i} says that the harbour was busy and the boats came in every morning with fish and coal.</p>`).join('');
  const site = await serveSite({ '/short': `<html><body><article><h1>Short</h1>${para(3)}</article></body></html>`, '/mid': `<html><body><article><h1>Mid</h1>${para(7)}</article></body></html>` });
  const b = await launchBrowser('/tmp/dist-bench');
  for (const [round, path] of [[1, '/short'], [2, '/short'], [3, '/mid']] as const) {
    const { tabId } = await b.openTab(site.origin + path);
    const p = await b.openExtensionPage(`popup/index.html?tab=${tabId}`);
    const t0 = Date.now();
    await p.getByTestId('summarize').click();
    await p.waitForFunction(() => (document.querySelector('[data-testid=summary]')?.textContent ?? '').length > 0, null, { timeout: 600000, polling: 50 });
    const t1 = Date.now();
    await p.waitForFunction(() => document.querySelector('[data-testid=status]')?.getAttribute('data-state') === 'done', null, { timeout: 600000 });
    const stored = await b.worker.evaluate(async (key) => (await chrome.storage.session.get(key))[key], `summary:${tabId}`);
    console.log(`ROUND ${round} ${path}: first text after ${(t1 - t0) / 1000}s, total ${(Date.now() - t0) / 1000}s, ${(stored as { tokensPerSecond: number }).tokensPerSecond.toFixed(1)} tok/s, parts ${(stored as { parts: number }).parts}`);
    await p.close();
  }
  await b.close(); await site.close();
}, 1200000);
