/** A model the extension can run, with every fact about it in one place. */
export interface ModelSpec {
  /** Stable id, safe to store. */
  id: string;
  /** Shown to users. */
  name: string;
  /** Hugging Face hub repository, or the folder under the extension's `models/` when bundled. */
  repo: string;
  revision: string;
  /** Selects the ONNX file (`q8` -> `onnx/model_quantized.onnx`); the repository must publish it. */
  dtype: 'q8' | 'q4' | 'q4f16' | 'fp16' | 'fp32';
  /** The model's context window in tokens (`max_position_embeddings`); nothing may generate past it. */
  contextSize: number;
  /**
   * Most prompt tokens sent at once. Below the context size on purpose: on one WASM thread reading the
   * prompt (prefill) grows faster than linearly, so long pages are read in parts instead.
   */
  maxPromptTokens: number;
  /**
   * Most prompt tokens of a chat. Larger than `maxPromptTokens` because follow-ups reuse the KV cache of
   * earlier turns: only the new turn is read, so a longer conversation costs little until it must be trimmed.
   */
  maxChatPromptTokens: number;
  /** Approximate download size in bytes, to tell the user before the first use. */
  downloadBytes: number;
  /** Packaged inside the extension (test builds): loaded from `models/`, never from the network. */
  bundled: boolean;
  /** Extra variables for the chat template. */
  chatTemplateOptions?: Record<string, unknown>;
}

/**
 * Default model. Qwen2.5-0.5B-Instruct, int8 (`onnx-community/Qwen2.5-0.5B-Instruct`, file
 * `onnx/model_quantized.onnx`, 512 MB, checked in the hub's file list):
 * - quality: the strongest instruction follower of the sub-600 MB Apache-2.0 models with transformers.js
 *   ONNX files (SmolLM2-360M scores far lower on IFEval and writes English only; Qwen3-0.6B needs 570 MB+
 *   at q4f16, which is slow on CPU, and thinks by default; LFM2 is not Apache-licensed);
 * - multilingual, so pages in other languages are summarized in their language; 32k context;
 * - speed on one WASM thread: int8 is the fastest CPU kernel in ORT (faster than int4), and the same
 *   model Firefox ships for its on-device features (Mozilla/Qwen2.5-0.5B-Instruct).
 */
export const QWEN25_05B: ModelSpec = {
  id: 'qwen2.5-0.5b-instruct-q8',
  name: 'Qwen2.5 0.5B Instruct',
  repo: 'onnx-community/Qwen2.5-0.5B-Instruct',
  revision: 'main',
  dtype: 'q8',
  contextSize: 32_768,
  maxPromptTokens: 1_536,
  maxChatPromptTokens: 4_096,
  downloadBytes: 512_000_000,
  bundled: false,
};

/** The random-weight model the test generator writes (scripts/generate-test-models.ts); never shipped. */
export const TEST_TINY_LLAMA: ModelSpec = {
  id: 'test-tiny-llama',
  name: 'Test model (random weights)',
  repo: 'tiny-llama',
  revision: 'main',
  dtype: 'q8',
  contextSize: 1_024,
  maxPromptTokens: 1_024,
  maxChatPromptTokens: 1_024,
  downloadBytes: 0,
  bundled: true,
};

/** `vite build --mode test-build` packages the test model and makes it the default (see vite.config.ts). */
export const TEST_BUILD_MODE = 'test-build';

export function defaultModel(buildMode: string): ModelSpec {
  return buildMode === TEST_BUILD_MODE ? TEST_TINY_LLAMA : QWEN25_05B;
}
