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

  /** A load that waits until the test finishes it, and records the signal it was given. */
  const heldLoad = () => {
    const calls: { signal: AbortSignal; finish: (e: Embedder) => void }[] = [];
    const load = vi.fn(
      (_onProgress: unknown, signal: AbortSignal) =>
        new Promise<Embedder>((resolve, reject) => {
          calls.push({ signal, finish: resolve });
          signal.addEventListener('abort', () => reject(new Error('aborted download')), { once: true });
        }),
    );
    return { load, calls };
  };

  test('Stop while the only caller waits ends the call at once and the download; the next call loads again', async () => {
    const { load, calls } = heldLoad();
    const lazy = createLazyEmbedder(load);
    const controller = new AbortController();
    const waiting = lazy.get(undefined, controller.signal);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'cancelled' });
    expect(calls[0]?.signal.aborted).toBe(true);

    const loaded = embedder();
    const again = lazy.get(undefined, new AbortController().signal);
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]?.signal.aborted).toBe(false);
    calls[1]?.finish(loaded);
    expect(await again).toBe(loaded);
  });

  test('one of two callers stopping leaves the load to the other, and so does a caller with no signal', async () => {
    const { load, calls } = heldLoad();
    const lazy = createLazyEmbedder(load);
    const first = new AbortController();
    const second = new AbortController();
    const a = lazy.get(undefined, first.signal);
    const b = lazy.get(undefined, second.signal);
    const c = lazy.get();
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    first.abort();
    await expect(a).rejects.toMatchObject({ code: 'cancelled' });
    second.abort();
    await expect(b).rejects.toMatchObject({ code: 'cancelled' });
    expect(calls[0]?.signal.aborted).toBe(false);
    const loaded = embedder();
    calls[0]?.finish(loaded);
    expect(await c).toBe(loaded);
    expect(load).toHaveBeenCalledTimes(1);
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
