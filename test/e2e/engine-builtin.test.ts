import { resolve } from 'node:path';
import { build, type Rolldown } from 'vite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { probeBuiltinTier } from './builtin-probe';
import { type Browser, launchBrowser } from './harness';

/*
 * Chrome's built-in model is not in this headless Chromium (no Gemini Nano, no GPU). What must hold here:
 * the probe, run in the extension's real service worker against the real `LanguageModel` (or its absence),
 * reports the tier unavailable, the tier report says why, and loading it fails with a message for the user.
 */

let browser: Browser;
let probe: string;

/** The probe module as one script the worker can run (the test build's worker does not load it yet). */
async function bundleProbe(): Promise<string> {
  const output = (await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: { entry: resolve('test/e2e/builtin-probe.ts'), formats: ['iife'], name: 'builtinProbe' },
    },
  })) as Rolldown.RolldownOutput[] | Rolldown.RolldownOutput;
  const chunk = (Array.isArray(output) ? output[0] : output)?.output[0];
  if (chunk?.type !== 'chunk') throw new Error('The probe did not bundle.');
  return chunk.code;
}

beforeAll(async () => {
  [probe, browser] = await Promise.all([bundleProbe(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
});

test('in real Chromium the built-in tier reports unavailable, with a reason, and refuses to load', async () => {
  const result = (await browser.worker.evaluate(
    `(() => { ${probe}; return builtinProbe.probeBuiltinTier(); })()`,
  )) as Awaited<ReturnType<typeof probeBuiltinTier>>;

  // Chromium 156 has the API in the worker and says `unavailable`; a build without it gives null.
  expect(result.builtin).toBe(result.hasApi ? 'unavailable' : null);
  expect(result.report).toMatchObject({ tier: 'chrome-builtin', state: 'unavailable', forcible: false });
  expect(result.report?.reason).toMatch(/built-in model/);
  expect(result.availability).toBe('unavailable');
  // The engine would never pick it; loaded by hand it fails with words for the user, not a crash.
  expect(result.loadError).toMatchObject({
    code: 'model-load',
    message: expect.stringMatching(/built-in model/),
  });
});
