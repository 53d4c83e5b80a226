import { describe, expect, test } from 'vitest';
import {
  BENCH_SMALL_BUILD_MODE,
  defaultEmbedder,
  defaultModel,
  defaultModelForTier,
  findModel,
  MODELS,
  modelsForTier,
  QWEN3_06B,
  QWEN25_05B,
  QWEN25_15B,
  QWEN25_15B_NO_F16,
  SMOLLM2_360M,
  TEST_BUILD_MODE,
  TEST_TINY_BERT,
  TEST_TINY_LLAMA,
  TEST_TINY_LLAMA_GPU,
} from '../../../src/engine/registry';
import type { ModelSpec } from '../../../src/model';

const imported: ModelSpec = {
  ...TEST_TINY_LLAMA,
  id: 'imported-my-model',
  name: 'My model',
  repo: 'imported/my-model',
  bundled: false,
  imported: true,
};

describe('the curated model list', () => {
  test('ids are unique, and every entry is a hub model with its facts', () => {
    expect(new Set(MODELS.map((m) => m.id)).size).toBe(MODELS.length);
    for (const model of MODELS) {
      expect(model.bundled).toBe(false);
      expect(model.downloadBytes).toBeGreaterThan(100_000_000);
      expect(model.maxPromptTokens).toBeLessThanOrEqual(model.contextSize);
      expect(model.maxChatPromptTokens).toBeLessThanOrEqual(model.contextSize);
      expect(model.languages).not.toBe('');
      expect(model.license).not.toBe('');
    }
  });

  test('every entry is pinned to a commit, except the one whose hash could not be found (said in its comment)', () => {
    const unpinned = MODELS.filter((m) => !/^[0-9a-f]{40}$/.test(m.revision)).map((m) => m.id);
    expect(unpinned).toEqual([SMOLLM2_360M.id]);
  });

  test('a dtype runs only where it has kernels: 16-bit floats on the GPU, int8 on the CPU', () => {
    for (const model of MODELS) {
      if (model.dtype === 'q4f16' || model.dtype === 'fp16') {
        expect(model.tiers).toEqual(['webgpu']);
        expect(model.needsShaderF16).toBe(true);
      }
      if (model.dtype === 'q8') expect(model.tiers).not.toContain('webgpu');
    }
  });

  test('Qwen3 thinks by default: the template switches it off and the output is stripped', () => {
    expect(QWEN3_06B.chatTemplateOptions).toEqual({ enable_thinking: false });
    expect(QWEN3_06B.stripThinking).toBe(true);
  });
});

describe('choosing a model', () => {
  test.each([
    ['wasm', undefined, QWEN25_05B],
    ['wasm-threads', undefined, QWEN25_05B],
    ['webgpu', undefined, QWEN25_15B],
    ['webgpu', { shaderF16: true }, QWEN25_15B],
    ['webgpu', { shaderF16: false }, QWEN25_15B_NO_F16],
  ] as const)('the default on %s (%j) is %s', (tier, gpu, model) => {
    expect(defaultModelForTier(tier, 'production', gpu)).toBe(model);
  });

  test('test builds keep the tiny generated model on every tier (fp32 on WebGPU), and defaultModel still works', () => {
    expect(defaultModelForTier('webgpu', TEST_BUILD_MODE)).toBe(TEST_TINY_LLAMA_GPU);
    expect(defaultModelForTier('wasm-threads', TEST_BUILD_MODE)).toBe(TEST_TINY_LLAMA);
    expect(defaultModel(TEST_BUILD_MODE)).toBe(TEST_TINY_LLAMA);
    expect(defaultModel('production')).toBe(QWEN25_05B);
  });

  test('the bench’s small build offers exactly what the test build does', () => {
    for (const tier of ['webgpu', 'wasm-threads', 'wasm'] as const) {
      expect(defaultModelForTier(tier, BENCH_SMALL_BUILD_MODE)).toBe(
        defaultModelForTier(tier, TEST_BUILD_MODE),
      );
      expect(modelsForTier(tier, [], BENCH_SMALL_BUILD_MODE)).toEqual(
        modelsForTier(tier, [], TEST_BUILD_MODE),
      );
    }
    expect(defaultEmbedder(BENCH_SMALL_BUILD_MODE)).toBe(TEST_TINY_BERT);
  });

  test('at least two CPU choices and two GPU choices; none that needs f16 on a GPU without it', () => {
    expect(modelsForTier('wasm').map((m) => m.id)).toEqual([QWEN25_05B.id, SMOLLM2_360M.id]);
    expect(modelsForTier('webgpu').map((m) => m.id)).toEqual([
      QWEN25_15B.id,
      QWEN25_15B_NO_F16.id,
      QWEN3_06B.id,
    ]);
    expect(modelsForTier('webgpu', [], 'production', { shaderF16: false }).map((m) => m.id)).toEqual([
      QWEN25_15B_NO_F16.id,
    ]);
    expect(modelsForTier('chrome-builtin')).toEqual([]);
  });

  test('imported models are listed on their tiers and found by id', () => {
    expect(modelsForTier('wasm', [imported]).at(-1)).toBe(imported);
    expect(findModel(imported.id, [imported])).toBe(imported);
    expect(findModel(imported.id)).toBeUndefined();
    expect(findModel(QWEN3_06B.id)).toBe(QWEN3_06B);
  });
});
