import { describe, expect, test, vi } from 'vitest';
import { createEngine } from '../../../src/engine/engine';
import { TEST_TINY_LLAMA } from '../../../src/engine/registry';
import type { Backend, Session } from '../../../src/engine/types';
import { AppError } from '../../../src/errors';
import type { DownloadProgress } from '../../../src/protocol';
import { IDLE_UNLOAD_MS } from '../../../src/protocol/limits';

const fakeSession = { model: TEST_TINY_LLAMA, dispose: vi.fn(async () => {}) } as unknown as Session;
const progress = (loaded: number): DownloadProgress => ({
  files: [{ name: 'onnx/model_quantized.onnx', loaded, total: 100 }],
  loaded,
  total: 100,
});

function fakeBackend(
  load: Backend['load'] = async () => fakeSession,
): Backend & { load: ReturnType<typeof vi.fn> } {
  return {
    id: 'transformers-node',
    availability: vi.fn(async () => 'downloadable' as const),
    load: vi.fn(load),
  };
}

const signal = () => new AbortController().signal;

describe('engine', () => {
  test('loads the model lazily, once, for every request', async () => {
    const backend = fakeBackend();
    const engine = createEngine(backend, TEST_TINY_LLAMA);
    expect(backend.load).not.toHaveBeenCalled();
    await Promise.all([
      engine.run(async () => 1, { signal: signal() }),
      engine.run(async () => 2, { signal: signal() }),
    ]);
    await engine.run(async () => 3, { signal: signal() });
    expect(backend.load).toHaveBeenCalledTimes(1);
  });

  test('runs requests one at a time, in arrival order, even when one fails', async () => {
    const engine = createEngine(fakeBackend(), TEST_TINY_LLAMA);
    const log: string[] = [];
    const task = (name: string, fail = false) =>
      engine.run(
        async () => {
          log.push(`${name}+`);
          await new Promise((resolve) => setTimeout(resolve, 5));
          log.push(`${name}-`);
          if (fail) throw new Error(name);
          return name;
        },
        { signal: signal() },
      );
    const results = await Promise.allSettled([task('a'), task('b', true), task('c')]);
    expect(log).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  test('a request stopped while it waits never runs', async () => {
    const engine = createEngine(fakeBackend(), TEST_TINY_LLAMA);
    let release!: () => void;
    const first = engine.run(() => new Promise<void>((resolve) => (release = resolve)), { signal: signal() });
    const controller = new AbortController();
    const second = vi.fn(async () => {});
    const waiting = engine.run(second, { signal: controller.signal });
    const stopped = expect(waiting).rejects.toMatchObject({ code: 'cancelled' });
    controller.abort();
    await vi.waitFor(() => expect(release).toBeDefined());
    release();
    await first;
    await stopped;
    expect(second).not.toHaveBeenCalled();
  });

  test('a request stopped while it waits settles at once, before the one ahead ends', async () => {
    const engine = createEngine(fakeBackend(), TEST_TINY_LLAMA);
    let release!: () => void;
    const first = engine.run(() => new Promise<void>((resolve) => (release = resolve)), { signal: signal() });
    const controller = new AbortController();
    const waiting = engine.run(async () => {}, { signal: controller.signal });
    await vi.waitFor(() => expect(release).toBeDefined());
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'cancelled' });
    release();
    await first;
  });

  test('a waiting request is told whose turn it is, each time that changes', async () => {
    const engine = createEngine(fakeBackend(), TEST_TINY_LLAMA);
    const releases: (() => void)[] = [];
    const hold = () => new Promise<void>((resolve) => releases.push(resolve));
    const told: Record<string, (string | undefined)[]> = { b: [], c: [] };
    const a = engine.run(hold, { signal: signal(), owner: 'a', onWaiting: () => told.x?.push('never') });
    const b = engine.run(hold, { signal: signal(), owner: 'b', onWaiting: (ahead) => told.b?.push(ahead) });
    const c = engine.run(hold, { signal: signal(), owner: 'c', onWaiting: (ahead) => told.c?.push(ahead) });
    await vi.waitFor(() => expect(releases).toHaveLength(1));
    expect(told).toEqual({ b: ['a'], c: ['a'] });
    releases[0]?.();
    await a;
    await vi.waitFor(() => expect(releases).toHaveLength(2));
    expect(told).toEqual({ b: ['a'], c: ['a', 'b'] });
    releases[1]?.();
    await b;
    await vi.waitFor(() => expect(releases).toHaveLength(3));
    releases[2]?.();
    await c;
    expect(told).toEqual({ b: ['a'], c: ['a', 'b'] });
  });

  test('download progress reaches the requests waiting for the model', async () => {
    let report!: (p: DownloadProgress) => void;
    let finish!: () => void;
    const backend = fakeBackend(async (_, onProgress) => {
      report = onProgress;
      await new Promise<void>((resolve) => (finish = resolve));
      return fakeSession;
    });
    const engine = createEngine(backend, TEST_TINY_LLAMA);
    const seen: number[] = [];
    const ready = vi.fn();
    const run = engine.run(async () => 'ok', {
      signal: signal(),
      onProgress: (p) => seen.push(p.loaded),
      onReady: ready,
    });
    await vi.waitFor(() => expect(report).toBeDefined());
    expect((await engine.status()).availability).toBe('downloading');
    report(progress(40));
    report(progress(100));
    expect(ready).not.toHaveBeenCalled();
    finish();
    await expect(run).resolves.toBe('ok');
    expect(seen).toEqual([40, 100]);
    expect(ready).toHaveBeenCalledOnce();
    expect((await engine.status()).availability).toBe('available');
  });

  test('a failed load is not remembered: the next request tries again', async () => {
    const backend = fakeBackend();
    backend.load.mockRejectedValueOnce(new AppError('model-download', 'offline'));
    const engine = createEngine(backend, TEST_TINY_LLAMA);
    await expect(engine.run(async () => 1, { signal: signal() })).rejects.toMatchObject({
      code: 'model-download',
    });
    await expect(engine.run(async () => 2, { signal: signal() })).resolves.toBe(2);
    expect(backend.load).toHaveBeenCalledTimes(2);
  });

  /** A backend whose load runs until it is released or its signal aborts, as a download does. */
  function heldLoad() {
    const state: { signal?: AbortSignal; release?: () => void; loads: number } = { loads: 0 };
    const backend = fakeBackend(async (_model, _onProgress, loadSignal) => {
      state.loads++;
      state.signal = loadSignal;
      await new Promise<void>((resolve, reject) => {
        state.release = resolve;
        loadSignal?.addEventListener('abort', () => reject(new AppError('cancelled', 'Stopped.')));
      });
      return fakeSession;
    });
    return { backend, state };
  }

  test('Stop during the first load ends the request at once and aborts the load', async () => {
    const { backend, state } = heldLoad();
    const engine = createEngine(backend, TEST_TINY_LLAMA);
    const controller = new AbortController();
    const task = vi.fn(async () => 'ran');
    const run = engine.run(task, { signal: controller.signal });
    await vi.waitFor(() => expect(state.signal).toBeDefined());
    expect(state.signal?.aborted).toBe(false);
    controller.abort();
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(state.signal?.aborted).toBe(true);
    expect(task).not.toHaveBeenCalled();
    // The next request loads again (the download resumes from what was stored).
    const next = engine.run(async () => 'again', { signal: signal() });
    await vi.waitFor(() => expect(state.loads).toBe(2));
    expect(state.signal?.aborted).toBe(false);
    state.release?.();
    await expect(next).resolves.toBe('again');
  });

  test('one of two requests waiting for the load stopping leaves the load to the other', async () => {
    const { backend, state } = heldLoad();
    const engine = createEngine(backend, TEST_TINY_LLAMA);
    const first = new AbortController();
    const second = new AbortController();
    const a = engine.run(async () => 'a', { signal: first.signal });
    const b = engine.run(async () => 'b', { signal: second.signal });
    await vi.waitFor(() => expect(state.signal).toBeDefined());
    first.abort();
    await expect(a).rejects.toMatchObject({ code: 'cancelled' });
    expect(state.signal?.aborted).toBe(false);
    state.release?.();
    await expect(b).resolves.toBe('b');
    expect(state.loads).toBe(1);
  });

  test('the load is aborted when the last of its waiting requests stops, whichever order', async () => {
    const { backend, state } = heldLoad();
    const engine = createEngine(backend, TEST_TINY_LLAMA);
    const first = new AbortController();
    const second = new AbortController();
    const a = engine.run(async () => 'a', { signal: first.signal });
    const b = engine.run(async () => 'b', { signal: second.signal });
    await vi.waitFor(() => expect(state.signal).toBeDefined());
    second.abort();
    await expect(b).rejects.toMatchObject({ code: 'cancelled' });
    expect(state.signal?.aborted).toBe(false);
    first.abort();
    await expect(a).rejects.toMatchObject({ code: 'cancelled' });
    expect(state.signal?.aborted).toBe(true);
  });

  test('status says downloadable before the first use', async () => {
    const engine = createEngine(fakeBackend(), TEST_TINY_LLAMA);
    await expect(engine.status()).resolves.toEqual({
      modelId: TEST_TINY_LLAMA.id,
      modelName: TEST_TINY_LLAMA.name,
      availability: 'downloadable',
      downloadBytes: TEST_TINY_LLAMA.downloadBytes,
      engine: { tier: 'wasm', name: 'WASM', modelName: TEST_TINY_LLAMA.name },
    });
  });

  describe('idle unload', () => {
    const IDLE_MS = IDLE_UNLOAD_MS;

    test('after IDLE_UNLOAD_MS with no request the model is unloaded, and the next load says why', async () => {
      vi.useFakeTimers();
      try {
        const dispose = vi.fn(async () => {});
        const backend = fakeBackend(async (_model, onProgress) => {
          onProgress(progress(100));
          return { ...fakeSession, dispose } as Session;
        });
        const engine = createEngine(backend, TEST_TINY_LLAMA);
        await engine.run(async () => 1, { signal: signal() });
        // A request before the time is up keeps the model, and starts the wait again.
        await vi.advanceTimersByTimeAsync(IDLE_MS - 1_000);
        await engine.run(async () => 2, { signal: signal() });
        await vi.advanceTimersByTimeAsync(IDLE_MS - 1_000);
        expect(dispose).not.toHaveBeenCalled();
        expect(backend.load).toHaveBeenCalledTimes(1);
        await vi.advanceTimersByTimeAsync(1_000);
        expect(dispose).toHaveBeenCalledTimes(1);

        const seen: DownloadProgress[] = [];
        await engine.run(async () => 3, { signal: signal(), onProgress: (p) => seen.push(p) });
        expect(backend.load).toHaveBeenCalledTimes(2);
        expect(seen[0]).toMatchObject({ reloadAfterIdleMinutes: IDLE_UNLOAD_MS / 60_000, total: 0 });
        expect(seen.every((p) => p.reloadAfterIdleMinutes === IDLE_UNLOAD_MS / 60_000)).toBe(true);
        expect(seen.at(-1)).toMatchObject({ loaded: 100, total: 100 });

        // Loaded again: the next request runs on it, with nothing to load or report.
        const plain: DownloadProgress[] = [];
        await engine.run(async () => 4, { signal: signal(), onProgress: (p) => plain.push(p) });
        expect(plain).toEqual([]);
      } finally {
        vi.useRealTimers();
      }
    });

    test('a request running longer than the idle time is never unloaded under it', async () => {
      vi.useFakeTimers();
      try {
        const dispose = vi.fn(async () => {});
        const engine = createEngine(
          fakeBackend(async () => ({ ...fakeSession, dispose }) as Session),
          TEST_TINY_LLAMA,
        );
        await engine.run(async () => 1, { signal: signal() });
        const long = engine.run(() => new Promise((resolve) => setTimeout(resolve, 3 * IDLE_MS)), {
          signal: signal(),
        });
        await vi.advanceTimersByTimeAsync(2 * IDLE_MS);
        expect(dispose).not.toHaveBeenCalled();
        await vi.advanceTimersByTimeAsync(IDLE_MS);
        await long;
        expect(dispose).not.toHaveBeenCalled();
        await vi.advanceTimersByTimeAsync(IDLE_MS);
        expect(dispose).toHaveBeenCalledTimes(1);
      } finally {
        vi.useRealTimers();
      }
    });
  });
});
