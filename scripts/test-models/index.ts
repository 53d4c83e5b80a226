import { fileURLToPath } from 'node:url';
import { TEST_TINY_BERT, TEST_TINY_LLAMA } from '../../src/engine/registry';
import { ensureDecoderModel } from './decoder';
import { ensureEncoderModel } from './encoder';
import type { WrittenModel } from './write';

export {
  DECODER_PRESETS,
  DECODER_TOKEN_IDS,
  type DecoderOptions,
  type DecoderPreset,
  type DecoderTokenizerKind,
  ensureDecoderModel,
  TINY_DECODER_OPTIONS,
  writeDecoderModel,
} from './decoder';
export { type EncoderOptions, ensureEncoderModel, writeEncoderModel } from './encoder';
export { QWEN_TOKEN_IDS } from './qwen-tokenizer';
export { CHATML_TEMPLATE } from './tokenizer';
export type { WrittenModel } from './write';

/** Folder name (and transformers.js model id under {@link TEST_MODELS_DIR}) of the tiny decoder. */
export const TEST_DECODER_ID = TEST_TINY_LLAMA.repo;

/** Folder name (and transformers.js model id under {@link TEST_MODELS_DIR}) of the tiny encoder. */
export const TEST_ENCODER_ID = TEST_TINY_BERT.repo;

/** Absolute path of `test-models/` at the repository root (git-ignored), with a trailing slash. */
export const TEST_MODELS_DIR = fileURLToPath(new URL('../../test-models/', import.meta.url));

/** Absolute path of the tiny decoder's folder. */
export const TEST_DECODER_DIR = `${TEST_MODELS_DIR}${TEST_DECODER_ID}`;

/** Absolute path of the tiny encoder's folder. */
export const TEST_ENCODER_DIR = `${TEST_MODELS_DIR}${TEST_ENCODER_ID}`;

/** Default output folder of the benchmark-size decoder (`--preset smollm2-135m`), git-ignored. */
export const BENCH_DECODER_DIR = fileURLToPath(
  new URL('../../bench-models/smollm2-135m-random', import.meta.url),
);

/** Output folder of the decoder with the default model's dimensions (`qwen2.5-0.5b` preset), git-ignored. */
export const BENCH_QWEN_DIR = fileURLToPath(
  new URL('../../bench-models/qwen2.5-0.5b-random', import.meta.url),
);

/**
 * Writes the tiny decoder and encoder to their default folders unless they are already up to date
 * (a fast stamp check), so test setups can call it unconditionally.
 */
export async function ensureTestModels(): Promise<{ decoder: WrittenModel; encoder: WrittenModel }> {
  const [decoder, encoder] = await Promise.all([
    ensureDecoderModel(TEST_DECODER_DIR),
    ensureEncoderModel(TEST_ENCODER_DIR),
  ]);
  return { decoder, encoder };
}
