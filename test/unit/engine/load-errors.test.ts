import { describe, expect, test, vi } from 'vitest';
import { loadError, loadModelFiles, type ModelFiles } from '../../../src/engine/backends/transformers-files';
import type { Downloader } from '../../../src/engine/files/downloader';
import type { ModelFileStore } from '../../../src/engine/files/model-file-store';
import { createVerifiedCache } from '../../../src/engine/files/verified-cache';
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

describe('a load that fails on stored files', () => {
  const filesWith = (ensure: Downloader['ensure']): ModelFiles & { ensure: ReturnType<typeof vi.fn> } => {
    const spy = vi.fn(ensure);
    return {
      store: { getManifest: async () => undefined } as unknown as ModelFileStore,
      downloader: { host: 'https://huggingface.co/', ensure: spy, isReady: async () => true },
      cache: createVerifiedCache({} as ModelFileStore),
      ensure: spy,
    };
  };

  test('hashes the files again and is tried once more', async () => {
    const files = filesWith(async () => {});
    const load = vi
      .fn()
      .mockRejectedValueOnce(new Error('Protobuf parsing failed'))
      .mockResolvedValueOnce('session');
    await expect(loadModelFiles(QWEN25_05B, '/models/', files, () => {}, load)).resolves.toBe('session');
    expect(load).toHaveBeenCalledTimes(2);
    expect(files.ensure.mock.calls.map(([, options]) => options?.recheck ?? false)).toEqual([false, true]);
  });

  test('failing again, tells the user the model could not start', async () => {
    const files = filesWith(async () => {});
    const load = vi.fn().mockRejectedValue(new Error('Protobuf parsing failed'));
    await expect(loadModelFiles(QWEN25_05B, '/models/', files, () => {}, load)).rejects.toMatchObject({
      code: 'model-load',
    });
    expect(load).toHaveBeenCalledTimes(2);
  });
});
