import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { launchBrowser } from './harness';

// The browser tests drive the worker production runs: the bench's hooks (bench/extension/) are built into the
// bench's own builds only, so nothing here passes because of code users do not have.

test('the test build’s worker has no bench hook, and none of its files carries one', async () => {
  const browser = await launchBrowser();
  try {
    const hooks = await browser.worker.evaluate(
      () => typeof (globalThis as { pagewiseBench?: unknown }).pagewiseBench,
    );
    expect(hooks).toBe('undefined');
  } finally {
    await browser.close();
  }
  const scripts = readdirSync('dist-test', { recursive: true, encoding: 'utf8' }).filter((name) =>
    name.endsWith('.js'),
  );
  expect(scripts.length).toBeGreaterThan(0);
  const withHooks = scripts.filter((name) =>
    readFileSync(join('dist-test', name), 'utf8').includes('pagewiseBench'),
  );
  expect(withHooks).toEqual([]);
});
