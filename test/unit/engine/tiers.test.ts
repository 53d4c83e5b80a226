import { describe, expect, test, vi } from 'vitest';
import { defaultModelForTier, QWEN25_15B, QWEN25_15B_NO_F16 } from '../../../src/engine/registry';
import { createTierSource, gpuProblem } from '../../../src/engine/tier-source';
import {
  chooseTier,
  type GpuAdapterFacts,
  type MachineCapabilities,
  reportTiers,
} from '../../../src/engine/tiers';
import type { Backend, TierBackend } from '../../../src/engine/types';
import type { EnginePreference, ModelSpec, TierId } from '../../../src/model';

const laptopGpu: GpuAdapterFacts = {
  architecture: 'gen-12lp',
  vendor: 'intel',
  shaderF16: true,
  maxBufferSize: 2 ** 31,
  maxStorageBufferBindingSize: 2 ** 31,
};
const swiftshader: GpuAdapterFacts = {
  architecture: 'swiftshader',
  vendor: 'google',
  shaderF16: false,
  maxBufferSize: 2 ** 30,
  maxStorageBufferBindingSize: 2 ** 30,
};
const machine = (more: Partial<MachineCapabilities>): MachineCapabilities => ({
  gpu: null,
  gpuMissing: 'no-adapter',
  cores: 2,
  offscreen: true,
  builtin: null,
  ...more,
});

describe('the engine tier, as a table of machines', () => {
  test.each<[string, MachineCapabilities, EnginePreference, TierId, RegExp]>([
    ['a laptop with a GPU', machine({ gpu: laptopGpu, cores: 8 }), 'auto', 'webgpu', /intel, 16-bit shaders/],
    [
      'headless Chromium with --enable-unsafe-webgpu: a software GPU is slower than WASM',
      machine({ gpu: swiftshader }),
      'auto',
      'wasm',
      /one CPU thread/,
    ],
    [
      'SwiftShader picked by hand',
      machine({ gpu: swiftshader }),
      'webgpu',
      'webgpu',
      /software GPU \(SwiftShader\)/,
    ],
    [
      'no GPU, Gemini Nano ready',
      machine({ builtin: 'available', cores: 8 }),
      'auto',
      'chrome-builtin',
      /ready/,
    ],
    [
      'no GPU, 8 cores',
      machine({ cores: 8 }),
      'auto',
      'wasm-threads',
      /8 CPU cores: the model runs on 7 threads/,
    ],
    ['no GPU, 2 cores (this machine)', machine({}), 'auto', 'wasm', /one CPU thread/],
    [
      'no offscreen documents (Firefox)',
      machine({ offscreen: false, cores: 8 }),
      'auto',
      'wasm',
      /one CPU thread/,
    ],
    [
      'threads picked by hand on 2 cores: slower, but it runs',
      machine({}),
      'wasm-threads',
      'wasm-threads',
      /2 CPU cores/,
    ],
    ['WebGPU picked by hand without a GPU', machine({}), 'webgpu', 'wasm', /one CPU thread/],
    [
      'Gemini Nano downloadable: only by hand',
      machine({ builtin: 'downloadable' }),
      'auto',
      'wasm',
      /one CPU thread/,
    ],
    [
      'Gemini Nano downloadable, picked by hand',
      machine({ builtin: 'downloadable' }),
      'chrome-builtin',
      'chrome-builtin',
      /download/,
    ],
    ['WASM picked by hand on a GPU machine', machine({ gpu: laptopGpu }), 'wasm', 'wasm', /one CPU thread/],
  ])('%s', (_, found, preference, tier, reason) => {
    const reports = reportTiers(found);
    expect(reports.map((report) => report.tier)).toEqual([
      'local-server',
      'webgpu',
      'chrome-builtin',
      'wasm-threads',
      'wasm',
    ]);
    const chosen = chooseTier(reports, preference);
    expect(chosen).toBe(tier);
    expect(reports.find((report) => report.tier === chosen)?.reason).toMatch(reason);
  });

  test.each<[string, MachineCapabilities, TierId, string, RegExp]>([
    ['no WebGPU in the browser', machine({ gpuMissing: 'no-api' }), 'webgpu', 'unavailable', /no WebGPU/],
    ['no adapter', machine({}), 'webgpu', 'unavailable', /No GPU adapter: WebGPU is off or unsupported/],
    [
      '2 cores',
      machine({}),
      'wasm-threads',
      'unavailable',
      /2 CPU cores: threads would leave none for the browser/,
    ],
    ['no Prompt API', machine({}), 'chrome-builtin', 'unavailable', /no built-in model/],
    ['Chrome says no', machine({ builtin: 'unavailable' }), 'chrome-builtin', 'unavailable', /cannot run/],
    [
      'Chrome downloading',
      machine({ builtin: 'downloading' }),
      'chrome-builtin',
      'downloadable',
      /downloading/,
    ],
  ])('reports %s', (_, found, tier, state, reason) => {
    const report = reportTiers(found).find((candidate) => candidate.tier === tier);
    expect(report?.state).toBe(state);
    expect(report?.reason).toMatch(reason);
  });
});

describe('a model on a GPU', () => {
  test('q4f16 where the GPU has 16-bit shaders, the q4 file where it has none', () => {
    expect(defaultModelForTier('webgpu', 'production', { shaderF16: true })).toBe(QWEN25_15B);
    expect(defaultModelForTier('webgpu', 'production', { shaderF16: false })).toBe(QWEN25_15B_NO_F16);
    expect(gpuProblem(swiftshader, QWEN25_15B_NO_F16)).toBeNull();
  });

  test('buffers too small for the largest tensor are caught before loading', () => {
    const small = { ...laptopGpu, maxStorageBufferBindingSize: 128 * 1024 * 1024 };
    expect(gpuProblem(small, QWEN25_15B)).toMatch(
      /GPU buffers are too small .* needs 446 MB, this GPU allows 128 MB/,
    );
  });

  test('a model that needs 16-bit shaders cannot run without them', () => {
    expect(gpuProblem(swiftshader, QWEN25_15B)).toMatch(/no 16-bit shaders/);
  });
});

describe('the tier source', () => {
  const backend: Backend = {
    id: 'transformers-node',
    availability: async () => 'available',
    load: async () => {
      throw new Error('unused');
    },
  };
  // As the worker's tiers do: the GPU tier's model depends on the adapter the probe found.
  const tier = (id: TierId): TierBackend => ({
    tier: id,
    backend,
    model: async (found) =>
      defaultModelForTier(
        id,
        'production',
        found?.gpu ? { shaderF16: found.gpu.shaderF16 } : undefined,
      ) as ModelSpec,
  });

  test('picks the first tier that runs, loads the GPU file this adapter can run, and says why of every tier', async () => {
    const source = createTierSource({
      tiers: [tier('webgpu'), tier('wasm')],
      probe: async () => machine({ gpu: { ...laptopGpu, shaderF16: false }, cores: 8 }),
      preference: async () => 'auto',
    });
    const target = await source.pick(new Map());
    expect(target.tier).toBe('webgpu');
    expect(target.model.dtype).toBe('q4');
    const { reports, chosen } = await source.tiers(new Map());
    expect(chosen).toBe('webgpu');
    // Tiers this build lacks are listed too, as unavailable, so Settings always shows all four.
    expect(reports.find((report) => report.tier === 'wasm-threads')).toMatchObject({
      state: 'unavailable',
      reason: 'Not part of this build.',
    });
  });

  test('a tier that failed is skipped and its failure shown; a GPU too small for the model is not tried', async () => {
    const failedSource = createTierSource({
      tiers: [tier('webgpu'), tier('wasm')],
      probe: async () => machine({ gpu: laptopGpu }),
      preference: async () => 'webgpu',
    });
    const failed = new Map<TierId, string>([['webgpu', 'GPU device was lost']]);
    expect((await failedSource.pick(failed)).tier).toBe('wasm');
    const failedReports = (await failedSource.tiers(failed)).reports;
    expect(failedReports.find((report) => report.tier === 'webgpu')?.reason).toMatch(
      /Failed on this computer.*GPU device was lost/,
    );

    const small = createTierSource({
      tiers: [tier('webgpu'), tier('wasm')],
      probe: async () => machine({ gpu: { ...laptopGpu, maxStorageBufferBindingSize: 2 ** 27 } }),
      preference: async () => 'auto',
    });
    expect((await small.pick(new Map())).tier).toBe('wasm');
    expect((await small.tiers(new Map())).reports.find((report) => report.tier === 'webgpu')).toMatchObject({
      state: 'unavailable',
      forcible: false,
    });
  });

  test('probes once, and again when Settings asks', async () => {
    const probe = vi.fn(async () => machine({}));
    const source = createTierSource({ tiers: [tier('wasm')], probe, preference: async () => 'auto' });
    await source.pick(new Map());
    await source.pick(new Map());
    expect(probe).toHaveBeenCalledTimes(1);
    await source.tiers(new Map(), true);
    expect(probe).toHaveBeenCalledTimes(2);
  });
});
