import { expect, test } from 'vitest';
import { forgetSummary, loadSummary, saveSummary } from '../../../src/handlers/summary-cache';
import type { SummaryResult } from '../../../src/protocol';

const summary: SummaryResult = {
  url: 'https://example.org/a',
  title: 'A',
  length: 'standard',
  text: '- one\n- two',
  parts: 1,
  coverage: 1,
  tokensPerSecond: 12,
  engine: 'WASM',
  createdAt: 1,
};

test('a tab’s last summary comes back while the tab still shows that page', async () => {
  await saveSummary(4, summary);
  await expect(loadSummary(4, 'https://example.org/a')).resolves.toEqual(summary);
  await expect(loadSummary(4, 'https://example.org/b')).resolves.toBeNull();
  await expect(loadSummary(5, 'https://example.org/a')).resolves.toBeNull();
});

test('a closed tab’s summary is forgotten', async () => {
  await saveSummary(4, summary);
  await forgetSummary(4);
  await expect(loadSummary(4, 'https://example.org/a')).resolves.toBeNull();
});

test('an in-page anchor is the same page: the summary still comes back, as jobs see it', async () => {
  await saveSummary(4, { ...summary, url: 'https://example.org/a#intro' });
  await expect(loadSummary(4, 'https://example.org/a#history')).resolves.toMatchObject({
    text: summary.text,
  });
  await expect(loadSummary(4, 'https://example.org/a')).resolves.toMatchObject({ text: summary.text });
  await expect(loadSummary(4, 'https://example.org/b#intro')).resolves.toBeNull();
  await expect(loadSummary(4, undefined)).resolves.toBeNull();
});
