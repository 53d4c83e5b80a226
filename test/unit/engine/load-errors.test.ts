import { describe, expect, test } from 'vitest';
import { isDamagedFileError, loadError } from '../../../src/engine/backends/transformers-files';
import { QWEN25_05B, TEST_TINY_LLAMA } from '../../../src/engine/registry';

describe('what a failed model load tells the user', () => {
  test.each([
    ['Protobuf parsing failed.', true],
    [
      "Can't create a session. ERROR_CODE: 7, ERROR_MESSAGE: Failed to load model because protobuf parsing failed.",
      true,
    ],
    ['Unexpected end of JSON input', true],
    ['RangeError: Array buffer allocation failed', false],
    ['no available backend found', false],
  ])('%s is a damaged file: %s', (message, damaged) => {
    expect(isDamagedFileError(new Error(message))).toBe(damaged);
  });

  test.each([
    [
      'not yet downloaded, no network',
      QWEN25_05B,
      false,
      'TypeError: fetch failed',
      'model-download',
      /Couldn’t download the model \(Qwen2.5 0.5B Instruct, about 512 MB\)/,
    ],
    [
      'cached but truncated',
      QWEN25_05B,
      true,
      'Protobuf parsing failed.',
      'model-load',
      /damaged and has been removed/,
    ],
    [
      'cached, out of memory',
      QWEN25_05B,
      true,
      'Array buffer allocation failed',
      'model-load',
      /free memory/,
    ],
    ['bundled', TEST_TINY_LLAMA, true, 'anything', 'model-load', /bundled model could not be loaded/],
  ] as const)('%s: a %s error', (_, model, cached, message, code, text) => {
    const error = loadError(model, cached, new Error(message));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(text);
  });
});
