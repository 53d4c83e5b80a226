import { describe, expect, test, vi } from 'vitest';
import { createTieredEngine, type EngineSource, type EngineTarget } from '../../../src/engine/engine';
import { TEST_TINY_LLAMA, TEST_TINY_LLAMA_GPU } from '../../../src/engine/registry';
import type { Backend, Session } from '../../../src/engine/types';
import { AppError } from '../../../src/errors';
import type { TierId } from '../../../src/model';
import type { EngineInfo } from '../../../src/protocol';

const signal = () => new AbortController().signal;

/** A session whose generate answers with its tier's name, or fails the way a lost GPU does. */
function sessionOn(tier: TierId, generate?: Session['generate']): Session {
  return {
    model: tier === 'webgpu' ? TEST_TINY_LLAMA_GPU : TEST_TINY_LLAMA,
    countTokens: (text) => text.length,
    countPromptTokens: () => 1,
    generate:
      generate ??
      (async () => ({
        text: tier,
        promptTokens: 1,
        reusedTokens: 0,
        newTokens: 1,
        timeToFirstTokenMs: 1,
        tokensPerSecond: 1,
      })),
    dispose: vi.fn(async () => {}),
  };
}

function backendOf(load: Backend['load']): Backend & { load: ReturnType<typeof vi.fn> } {
  return { id: 'transformers-node', availability: async () => 'available', load: vi.fn(load) };
}

/** Picks the first of `order` that has not failed, as the real tier source does. */
function sourceOf(targets: Record<'webgpu' | 'wasm', EngineTarget>): EngineSource & { picks: number } {
  const source = {
    picks: 0,
    async pick(failed: ReadonlyMap<TierId, string>) {
      source.picks++;
      return failed.has('webgpu') ? targets.wasm : targets.webgpu;
    },
  };
  return source;
}

const generateOn = (session: Session) =>
  session.generate([{ role: 'user', content: 'hi' }], { maxNewTokens: 4, signal: signal() });

describe('the tiered engine', () => {
  test('a tier that cannot start gives way to the next, and the request is told', async () => {
    const gpu = backendOf(async () => {
      throw new AppError('model-load', 'no available backend found');
    });
    const wasm = backendOf(async () => sessionOn('wasm'));
    const engine = createTieredEngine(
      sourceOf({
        webgpu: { tier: 'webgpu', backend: gpu, model: TEST_TINY_LLAMA_GPU },
        wasm: { tier: 'wasm', backend: wasm, model: TEST_TINY_LLAMA },
      }),
    );
    const ready: EngineInfo[] = [];
    const text = await engine.run(async (session) => (await generateOn(session)).text, {
      signal: signal(),
      onReady: (info) => ready.push(info),
    });
    expect(text).toBe('wasm');
    expect(ready).toEqual([
      {
        tier: 'wasm',
        name: 'WASM',
        modelName: TEST_TINY_LLAMA.name,
        fellBackFrom: { tier: 'webgpu', name: 'WebGPU', reason: 'no available backend found' },
      },
    ]);
    expect(engine.failures().get('webgpu')).toBe('no available backend found');
    expect((await engine.status()).engine.tier).toBe('wasm');
  });

  test('a download that fails does not fall back: another tier would only download another model', async () => {
    const gpu = backendOf(async () => {
      throw new AppError('model-download', 'offline');
    });
    const wasm = backendOf(async () => sessionOn('wasm'));
    const engine = createTieredEngine(
      sourceOf({
        webgpu: { tier: 'webgpu', backend: gpu, model: TEST_TINY_LLAMA_GPU },
        wasm: { tier: 'wasm', backend: wasm, model: TEST_TINY_LLAMA },
      }),
    );
    await expect(engine.run(async () => 'ran', { signal: signal() })).rejects.toMatchObject({
      code: 'model-download',
    });
    expect(wasm.load).not.toHaveBeenCalled();
    expect(engine.failures().size).toBe(0);
  });

  test('an engine that fails mid-request hands the request to the next tier, which runs it once more', async () => {
    const lost = sessionOn('webgpu', async () => {
      throw new Error('GPU device was lost');
    });
    const gpu = backendOf(async () => lost);
    const wasm = backendOf(async () => sessionOn('wasm'));
    const engine = createTieredEngine(
      sourceOf({
        webgpu: { tier: 'webgpu', backend: gpu, model: TEST_TINY_LLAMA_GPU },
        wasm: { tier: 'wasm', backend: wasm, model: TEST_TINY_LLAMA },
      }),
    );
    const ready: EngineInfo[] = [];
    const task = vi.fn(async (session: Session) => (await generateOn(session)).text);
    const text = await engine.run(task, { signal: signal(), onReady: (info) => ready.push(info) });
    expect(text).toBe('wasm');
    expect(task).toHaveBeenCalledTimes(2);
    expect(ready.map((info) => [info.tier, info.fellBackFrom?.reason])).toEqual([
      ['webgpu', undefined],
      ['wasm', 'GPU device was lost'],
    ]);
    expect(lost.dispose).toHaveBeenCalled();
    // The next request goes straight to the tier that works.
    await expect(
      engine.run(async (session) => (await generateOn(session)).text, { signal: signal() }),
    ).resolves.toBe('wasm');
    expect(gpu.load).toHaveBeenCalledTimes(1);
  });

  test('the task’s own errors and the last tier’s failures reach the caller unchanged', async () => {
    const wasm = backendOf(async () =>
      sessionOn('wasm', async () => {
        throw new Error('out of memory');
      }),
    );
    const engine = createTieredEngine({
      pick: async () => ({ tier: 'wasm', backend: wasm, model: TEST_TINY_LLAMA }),
    });
    await expect(engine.run(async (session) => generateOn(session), { signal: signal() })).rejects.toThrow(
      'out of memory',
    );
    const gpu = backendOf(async () => sessionOn('webgpu'));
    const onGpu = createTieredEngine(
      sourceOf({
        webgpu: { tier: 'webgpu', backend: gpu, model: TEST_TINY_LLAMA_GPU },
        wasm: { tier: 'wasm', backend: wasm, model: TEST_TINY_LLAMA },
      }),
    );
    const tooLong = new AppError('too-long', 'This text is too long');
    const task = vi.fn(async () => {
      throw tooLong;
    });
    await expect(onGpu.run(task, { signal: signal() })).rejects.toBe(tooLong);
    expect(task).toHaveBeenCalledOnce();
    expect(onGpu.failures().size).toBe(0);
  });

  test('reconfigure picks again before the next request, after the one running ends', async () => {
    let tier: 'webgpu' | 'wasm' = 'webgpu';
    const first = sessionOn('webgpu');
    const gpu = backendOf(async () => first);
    const wasm = backendOf(async () => sessionOn('wasm'));
    const engine = createTieredEngine({
      pick: async () =>
        tier === 'webgpu'
          ? { tier, backend: gpu, model: TEST_TINY_LLAMA_GPU }
          : { tier, backend: wasm, model: TEST_TINY_LLAMA },
    });
    const ask = () => engine.run(async (session) => (await generateOn(session)).text, { signal: signal() });
    await expect(ask()).resolves.toBe('webgpu');
    tier = 'wasm';
    engine.reconfigure();
    expect((await engine.status()).engine.tier).toBe('wasm');
    await expect(ask()).resolves.toBe('wasm');
    expect(first.dispose).toHaveBeenCalled();
  });
});
