import { describe, expect, test, vi } from 'vitest';
import { TEST_ENCODER_ID } from '../../../scripts/test-models';
import { createLazyEmbedder } from '../../../src/engine/embedder';
import {
  defaultEmbedder,
  MULTILINGUAL_E5_SMALL,
  TEST_BUILD_MODE,
  TEST_TINY_BERT,
} from '../../../src/engine/registry';
import type { Embedder } from '../../../src/model';

const embedder = (): Embedder => ({
  id: 'fake',
  embed: async (texts) => texts.map(() => new Float32Array(2)),
  dispose: vi.fn(async () => {}),
});

describe('lazy embedder', () => {
  test('loads once, on first use, for every caller', async () => {
    const loaded = embedder();
    const load = vi.fn(async () => loaded);
    const lazy = createLazyEmbedder(load);
    expect(lazy.started).toBe(false);
    expect(load).not.toHaveBeenCalled();
    const [a, b] = await Promise.all([lazy.get(), lazy.get()]);
    expect(a).toBe(loaded);
    expect(b).toBe(loaded);
    expect(await lazy.get()).toBe(loaded);
    expect(load).toHaveBeenCalledTimes(1);
    expect(lazy.started).toBe(true);
  });

  test('download progress goes to the callers waiting for the load', async () => {
    let report: (p: { files: []; loaded: number; total: number }) => void = () => {};
    let finish: (e: Embedder) => void = () => {};
    const lazy = createLazyEmbedder(
      (onProgress) =>
        new Promise((resolve) => {
          report = onProgress;
          finish = resolve;
        }),
    );
    const first = vi.fn();
    const second = vi.fn();
    const waiting = [lazy.get(first), lazy.get(second)];
    report({ files: [], loaded: 1, total: 2 });
    finish(embedder());
    await Promise.all(waiting);
    expect(first).toHaveBeenCalledWith({ files: [], loaded: 1, total: 2 });
    expect(second).toHaveBeenCalledWith({ files: [], loaded: 1, total: 2 });
    // Progress after a caller stopped waiting is not sent to it.
    report({ files: [], loaded: 2, total: 2 });
    expect(first).toHaveBeenCalledTimes(1);
  });

  test('a failed load is forgotten, so the next call tries again', async () => {
    const loaded = embedder();
    const load = vi.fn().mockRejectedValueOnce(new Error('offline')).mockResolvedValueOnce(loaded);
    const lazy = createLazyEmbedder(load);
    await expect(lazy.get()).rejects.toThrow('offline');
    expect(lazy.started).toBe(false);
    expect(await lazy.get()).toBe(loaded);
    expect(load).toHaveBeenCalledTimes(2);
  });

  test('dispose releases the model and a later call loads it again', async () => {
    const loaded = embedder();
    const load = vi.fn(async () => loaded);
    const lazy = createLazyEmbedder(load);
    await lazy.get();
    await lazy.dispose();
    expect(loaded.dispose).toHaveBeenCalledTimes(1);
    await lazy.get();
    expect(load).toHaveBeenCalledTimes(2);
  });
});

describe('embedder registry', () => {
  test('the test build uses the generated tiny encoder, production the multilingual e5', () => {
    expect(defaultEmbedder(TEST_BUILD_MODE)).toBe(TEST_TINY_BERT);
    expect(defaultEmbedder('production')).toBe(MULTILINGUAL_E5_SMALL);
    expect(TEST_TINY_BERT.repo).toBe(TEST_ENCODER_ID);
    expect(TEST_TINY_BERT.bundled).toBe(true);
  });

  test('e5 gets the prefixes it was trained with, a pinned revision and a q8 file', () => {
    expect(MULTILINGUAL_E5_SMALL).toMatchObject({
      queryPrefix: 'query: ',
      passagePrefix: 'passage: ',
      dtype: 'q8',
      bundled: false,
    });
    expect(MULTILINGUAL_E5_SMALL.revision).toMatch(/^[0-9a-f]{40}$/);
  });
});
