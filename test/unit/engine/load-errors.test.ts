import { describe, expect, test } from 'vitest';
import { loadError } from '../../../src/engine/backends/transformers-files';
import { QWEN25_05B, TEST_TINY_LLAMA } from '../../../src/engine/registry';
import { AppError } from '../../../src/errors';

describe('what a failed model load tells the user', () => {
  test.each([
    // Files reach transformers.js only once verified, so a failure is never blamed on them.
    [
      'verified files, out of memory',
      QWEN25_05B,
      'Array buffer allocation failed',
      'model-load',
      /free memory/,
    ],
    ['bundled', TEST_TINY_LLAMA, 'anything', 'model-load', /bundled model could not be loaded/],
  ] as const)('%s', (_, model, message, code, text) => {
    const error = loadError(model, new Error(message));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(text);
  });

  test('an error already written for the user (no room, no download) passes unchanged', () => {
    const full = new AppError('disk-full', 'No room.');
    expect(loadError(QWEN25_05B, full)).toBe(full);
  });
});
