import type { ModelSpec, TierId } from '../../model';
import { BENCH_BUILD_MODE, packagesTestModels } from './build-modes';
import {
  BENCH_QWEN_HUB,
  BENCH_QWEN_SHAPE,
  GEMINI_NANO,
  MODELS,
  QWEN25_05B,
  QWEN25_15B,
  QWEN25_15B_NO_F16,
  TEST_TINY_LLAMA,
  TEST_TINY_LLAMA_GPU,
} from './models';

// The model registry: which models each build offers on each tier, and the default of each. The entries
// themselves, with the reason for each choice, are in models.ts and embedders.ts.

export * from './build-modes';
export * from './embedders';
export * from './models';

/** What the GPU can do, where the choice depends on it. */
export interface GpuFacts {
  shaderF16: boolean;
}

/** The models a build offers: the packaged test model in test builds, the curated list otherwise. */
function builtIn(buildMode: string): readonly ModelSpec[] {
  if (packagesTestModels(buildMode)) return [TEST_TINY_LLAMA, TEST_TINY_LLAMA_GPU];
  if (buildMode === BENCH_BUILD_MODE) return [BENCH_QWEN_SHAPE, BENCH_QWEN_HUB];
  return MODELS;
}

/**
 * The models that can run on a tier, built in and imported. A GPU without `shader-f16` is offered no model
 * that needs it.
 */
export function modelsForTier(
  tier: TierId,
  imported: readonly ModelSpec[] = [],
  buildMode = 'production',
  gpu?: GpuFacts,
): ModelSpec[] {
  return [...builtIn(buildMode), ...imported].filter(
    (model) => model.tiers.includes(tier) && !(gpu && !gpu.shaderF16 && model.needsShaderF16),
  );
}

/**
 * The model a tier runs when the user has picked none; undefined where the build has none for it. Test
 * builds use the packaged test model (fp32 on WebGPU); the GPU tier takes the 1.5B model, in the dtype its
 * adapter can run (`shader-f16` or not: unknown counts as present, the common case on real GPUs); Chrome's
 * built-in tier runs Chrome's own model.
 */
export function defaultModelForTier(tier: TierId, buildMode: string, gpu?: GpuFacts): ModelSpec | undefined {
  if (tier === 'chrome-builtin') return GEMINI_NANO;
  // The server's own models, listed at Connect: none of the registry's.
  if (tier === 'local-server') return undefined;
  if (tier === 'webgpu') {
    if (packagesTestModels(buildMode)) return TEST_TINY_LLAMA_GPU;
    // The bench build packages an int8 file only, a CPU kernel: no GPU model in it.
    if (buildMode === BENCH_BUILD_MODE) return undefined;
    return gpu && !gpu.shaderF16 ? QWEN25_15B_NO_F16 : QWEN25_15B;
  }
  if (packagesTestModels(buildMode)) return TEST_TINY_LLAMA;
  if (buildMode === BENCH_BUILD_MODE) return BENCH_QWEN_SHAPE;
  return QWEN25_05B;
}

/** The default model of the CPU tiers (what the engine runs today). */
export function defaultModel(buildMode: string): ModelSpec {
  return defaultModelForTier('wasm', buildMode) ?? QWEN25_05B;
}

/** A model by id: built in (any build's), or imported by the user. */
export function findModel(id: string, imported: readonly ModelSpec[] = []): ModelSpec | undefined {
  return [
    ...MODELS,
    TEST_TINY_LLAMA,
    TEST_TINY_LLAMA_GPU,
    BENCH_QWEN_SHAPE,
    BENCH_QWEN_HUB,
    ...imported,
  ].find((model) => model.id === id);
}
