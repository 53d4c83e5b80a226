import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import {
  BENCH_QWEN_SHAPE,
  GEMINI_NANO,
  MODELS,
  TEST_TINY_LLAMA,
  TEST_TINY_LLAMA_GPU,
} from '../../../src/engine/registry';
import { ModelSpecSchema } from '../../../src/model';
import { ImportedModelSchema } from '../../../src/settings';

const everyBuiltIn = [...MODELS, GEMINI_NANO, TEST_TINY_LLAMA, TEST_TINY_LLAMA_GPU, BENCH_QWEN_SHAPE];

describe('the one ModelSpec schema', () => {
  // What crosses the offscreen port and the settings is checked against it: a registry entry it rejected,
  // or one whose fields it dropped, would fail only on the tier that sends it.
  test.each(everyBuiltIn.map((model) => [model.id, model] as const))('keeps %s whole', (_, model) => {
    expect(v.parse(ModelSpecSchema, model)).toEqual(model);
  });

  test.each([
    ['an unknown dtype', { dtype: 'int3' }],
    ['an unknown tier', { tiers: ['cuda'] }],
    ['a fractional context', { contextSize: 1.5 }],
    ['an empty id', { id: '' }],
  ])('rejects %s', (_, change) => {
    expect(v.safeParse(ModelSpecSchema, { ...TEST_TINY_LLAMA, ...change }).success).toBe(false);
  });

  test('an imported model is the same shape with an import’s names', () => {
    const imported = {
      ...TEST_TINY_LLAMA,
      id: 'imported-tiny',
      repo: 'imported/tiny',
      revision: 'local',
      bundled: false,
      imported: true,
    };
    expect(v.parse(ImportedModelSchema, imported)).toEqual(imported);
    expect(v.safeParse(ImportedModelSchema, { ...imported, id: 'qwen' }).success).toBe(false);
    expect(v.safeParse(ImportedModelSchema, { ...imported, dtype: 'int3' }).success).toBe(false);
  });
});
