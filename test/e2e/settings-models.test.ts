import { afterAll, beforeAll, expect, test } from 'vitest';
import { TEST_DECODER_DIR } from '../../scripts/test-models';
import { longArticleHtml } from '../support/article';
import { type Browser, launchBrowser, type Site, serveSite } from './harness';

/*
 * The settings page in real Chromium, on the test build (no network at all): the generated test model is
 * imported from its folder through the directory input, picked, and summarizes; Delete frees its storage
 * as `navigator.storage.estimate()` shows; a disk with no room left says so.
 */

let browser: Browser;
let site: Site;
const IMPORTED_ID = 'imported-tiny-llama';

beforeAll(async () => {
  site = await serveSite({ '/article': longArticleHtml('Tides and the moon', 300) });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

/** What `navigator.storage.estimate()` says now (the Storage section shows the figure of its last refresh). */
const usedBytes = async (page: import('playwright-core').Page) =>
  (await page.evaluate(() => navigator.storage.estimate())).usage ?? 0;

test('a model is imported from a folder, picked, summarizes offline, and Delete frees its storage', async () => {
  const settings = await browser.openExtensionPage('options/index.html');
  const rows = settings.getByTestId('model');
  await expect.poll(() => rows.count()).toBeGreaterThan(0);
  expect(await settings.getByTestId('storage-used').textContent()).toMatch(/MB used · .* MB free/);
  const before = await usedBytes(settings);

  const started = Date.now();
  await settings.getByTestId('import-model').setInputFiles(TEST_DECODER_DIR);
  const status = settings.getByTestId('import-status');
  await expect.poll(() => status.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
  const importMs = Date.now() - started;
  const imported = settings.locator(`[data-testid="model"][data-model-id="${IMPORTED_ID}"][data-tier="cpu"]`);
  await expect.poll(() => imported.getAttribute('data-state')).toBe('available');
  expect(await imported.textContent()).toMatch(/Imported 1 MB/);

  await imported.getByTestId('use-model').click();
  await expect.poll(() => imported.getAttribute('data-active')).toBe('true');

  const { tabId } = await browser.openTab(`${site.origin}/article`);
  const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
  const summarizeStarted = Date.now();
  await popup.getByTestId('summarize').click();
  await expect
    .poll(() => popup.getByTestId('status').getAttribute('data-state'), { timeout: 120_000 })
    .toBe('done');
  const summarizeMs = Date.now() - summarizeStarted;
  // The worker ran the imported model, not the packaged one.
  const running = await popup.evaluate(() =>
    chrome.runtime.sendMessage({ protocol: 'pagewise/1', name: 'getModelStatus', data: {} }),
  );
  expect(running).toMatchObject({ ok: true, value: { modelName: 'tiny-llama', availability: 'available' } });
  await popup.close();
  console.info(`import: ${importMs} ms from picking the folder to listed; first summary ${summarizeMs} ms`);

  await settings.reload();
  const afterImport = await usedBytes(settings);
  await expect
    .poll(() => settings.getByTestId('storage-used').getAttribute('data-used-bytes'))
    .toBe(String(afterImport));
  expect(afterImport).toBeGreaterThan(before);
  const row = settings.locator(`[data-testid="model"][data-model-id="${IMPORTED_ID}"][data-tier="cpu"]`);
  await row.getByTestId('delete-model').click();
  await expect.poll(() => row.count()).toBe(0);
  // Most of what the import took is free again. Chrome deletes a stored Blob's file once no context holds
  // it: the worker that ran the model lets go of its copies when it stops (as Chrome stops idle workers).
  await browser.stopWorker();
  const added = afterImport - before;
  expect(added).toBeGreaterThan(300_000);
  await expect
    .poll(async () => afterImport - (await usedBytes(settings)), { timeout: 30_000 })
    .toBeGreaterThan(0.6 * added);
  console.info(
    `storage: the import added ${added} bytes; Delete freed ${afterImport - (await usedBytes(settings))}`,
  );
  // Its pick is gone too: the CPU tier is back on the packaged model.
  const packaged = settings.locator(
    '[data-testid="model"][data-model-id="test-tiny-llama"][data-tier="cpu"]',
  );
  await expect.poll(() => packaged.getAttribute('data-active')).toBe('true');
  await settings.close();
});

test('a folder that is not a model says what it lacks', async () => {
  const settings = await browser.openExtensionPage('options/index.html');
  await settings.getByTestId('import-model').setInputFiles(`${TEST_DECODER_DIR}/onnx`);
  const status = settings.getByTestId('import-status');
  await expect.poll(() => status.getAttribute('data-state'), { timeout: 30_000 }).toBe('error');
  expect(await status.textContent()).toMatch(/lacks config\.json, tokenizer\.json, tokenizer_config\.json/);
  await settings.close();
});

test('a full disk: the import is refused with its own message', async () => {
  const settings = await browser.openExtensionPage('options/index.html');
  await expect
    .poll(() => settings.getByTestId('storage-used').getAttribute('data-used-bytes'))
    .not.toBeNull();
  const cdp = await browser.context.newCDPSession(settings);
  const origin = `chrome-extension://${browser.extensionId}`;
  const { usage } = await settings.evaluate(() => navigator.storage.estimate());
  // Chrome's own quota override: the origin now has 100 KB of room left.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: (usage ?? 0) + 100_000 });
  try {
    await settings.reload();
    await expect
      .poll(async () => Number(await settings.getByTestId('storage-used').getAttribute('data-free-bytes')))
      .toBeLessThan(200_000);
    await settings.getByTestId('import-model').setInputFiles(TEST_DECODER_DIR);
    const status = settings.getByTestId('import-status');
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 30_000 }).toBe('error');
    expect(await status.textContent()).toMatch(
      /Not enough disk space to import tiny-llama: it needs 1 MB more and 0 MB are free/,
    );
    expect(await settings.locator(`[data-model-id="${IMPORTED_ID}"]`).count()).toBe(0);
  } finally {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    await cdp.detach();
    await settings.close();
  }
});

test('an unreadable imported entry is named in Settings, the others stay listed, and Delete removes it', async () => {
  const good = {
    id: 'imported-good',
    name: 'Good import',
    repo: 'imported/good',
    revision: 'local',
    dtype: 'q8',
    contextSize: 2048,
    maxPromptTokens: 1024,
    maxChatPromptTokens: 1024,
    downloadBytes: 1_000,
    bundled: false,
    imported: true,
    tiers: ['wasm'],
    languages: 'Unknown',
    license: 'Unknown',
  };
  const broken = { ...good, id: 'imported-broken', name: 'Broken import', dtype: 'q3' };
  await browser.worker.evaluate(
    (importedModels) => chrome.storage.local.set({ settings: { importedModels } }),
    [broken, good],
  );
  const settings = await browser.openExtensionPage('options/index.html');
  const unreadable = settings.getByTestId('unreadable-imports');
  await expect
    .poll(async () => (await unreadable.count()) && unreadable.textContent())
    .toContain('Broken import');
  expect(await unreadable.textContent()).toContain('dtype');
  await expect
    .poll(() => settings.locator('[data-testid="model"][data-model-id="imported-good"]').count())
    .toBeGreaterThan(0);

  await unreadable.getByRole('button', { name: 'Delete' }).click();
  await expect.poll(() => unreadable.count()).toBe(0);
  const stored = await browser.worker.evaluate(
    async () => (await chrome.storage.local.get('settings')).settings,
  );
  expect((stored as { importedModels: { id: string }[] }).importedModels.map((m) => m.id)).toEqual([
    'imported-good',
  ]);
});
