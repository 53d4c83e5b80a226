import type { TierId } from './tiers';

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
   * Most prompt tokens of a summary pass, below the context on purpose: one WASM thread reads a prompt at
   * seconds per thousand tokens (worse than linearly), so longer pages are read in parts.
   */
  maxPromptTokens: number;
  /** Most prompt tokens of a chat; above `maxPromptTokens` as follow-ups reuse earlier turns' KV cache. */
  maxChatPromptTokens: number;
  /** Approximate download size in bytes, to tell the user before the first use. */
  downloadBytes: number;
  /** Packaged inside the extension (test builds): loaded from `models/`, never from the network. */
  bundled: boolean;
  /** Imported by the user from a folder (Settings): its files are in the model store, never downloaded. */
  imported?: boolean;
  /** Extra variables for the chat template. */
  chatTemplateOptions?: Record<string, unknown>;
  /** The engine tiers that can run this file (its dtype decides: int8 is a CPU kernel, q4f16 needs a GPU). */
  tiers: readonly TierId[];
}

/**
 * Default model: Qwen2.5-0.5B-Instruct, int8 (`onnx/model_quantized.onnx`, 512 MB).
 * - The best instruction follower of the sub-600 MB Apache-2.0 models with transformers.js ONNX files
 *   (SmolLM2-360M: far lower IFEval, English only; Qwen3-0.6B: 570 MB+ at q4f16, slow on CPU, thinks by
 *   default; LFM2: not Apache-licensed). Multilingual, so pages are summarized in their language.
 * - int8 is ORT's fastest CPU kernel (faster than int4); Firefox ships it (Mozilla/Qwen2.5-0.5B-Instruct).
 * - Measured in Chromium's service worker (2 cores, one WASM thread, random weights of these dimensions from
 *   `npm run bench:context`): prefill ~11 ms a token, decode ~7.4 tokens/s. A 3,000-token page shows its
 *   first words after ~35 s in one pass, ~70 s in two parts (each part's notes take ~16 s to write); hence
 *   the 3,072-token prompt cap, so pages are split only when they must be.
 */
export const QWEN25_05B: ModelSpec = {
  id: 'qwen2.5-0.5b-instruct-q8',
  name: 'Qwen2.5 0.5B Instruct',
  repo: 'onnx-community/Qwen2.5-0.5B-Instruct',
  revision: 'main',
  dtype: 'q8',
  contextSize: 32_768,
  maxPromptTokens: 3_072,
  maxChatPromptTokens: 4_096,
  downloadBytes: 512_000_000,
  bundled: false,
  tiers: ['wasm', 'wasm-threads'],
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
  tiers: ['wasm', 'wasm-threads'],
};

/** `vite build --mode test-build` packages the test model and makes it the default (see vite.config.ts). */
export const TEST_BUILD_MODE = 'test-build';

/** `npm run bench` builds `--mode bench-build`: the default model's shape, random weights, packaged. */
export const BENCH_BUILD_MODE = 'bench-build';

/** Random weights with the default model's dimensions and tokenizer, and its budgets (bench/chromium.ts). */
export const BENCH_QWEN_SHAPE: ModelSpec = {
  ...QWEN25_05B,
  id: 'bench-qwen2.5-0.5b-random',
  name: 'Qwen2.5 0.5B dimensions (random weights)',
  repo: 'qwen2.5-0.5b-random',
  downloadBytes: 0,
  bundled: true,
};

export function defaultModel(buildMode: string): ModelSpec {
  if (buildMode === TEST_BUILD_MODE) return TEST_TINY_LLAMA;
  return buildMode === BENCH_BUILD_MODE ? BENCH_QWEN_SHAPE : QWEN25_05B;
}

/** A sentence-embedding model for finding the passages of a page that answer a question. */
export interface EmbedderSpec {
  /** Stable id, safe to store: cached passage vectors are keyed by it, so a new model never reuses them. */
  id: string;
  /** Shown to users. */
  name: string;
  /** Hugging Face hub repository, or the folder under the extension's `models/` when bundled. */
  repo: string;
  revision: string;
  /** Selects the ONNX file (`q8` -> `onnx/model_quantized.onnx`); the repository must publish it. */
  dtype: ModelSpec['dtype'];
  /** Length of the vectors, when known (informative: the store records what the model returns). */
  dims?: number;
  /** Longest input in tokens; longer texts are cut to it before embedding. */
  maxTokens: number;
  /** Put before a question. Models trained with asymmetric prefixes lose quality without them. */
  queryPrefix: string;
  /** Put before a passage of the page. */
  passagePrefix: string;
  /** Approximate download size in bytes (weights and tokenizer), to tell the user before the first use. */
  downloadBytes: number;
  /** Packaged inside the extension (test builds): loaded from `models/`, never from the network. */
  bundled: boolean;
}

/**
 * Default embedder: multilingual-e5-small, int8 (`onnx/model_quantized.onnx` 118 MB, `tokenizer.json` 17 MB).
 * - Pages come in any language: English-only embedders (all-MiniLM-L6-v2 23 MB, bge-small-en-v1.5 and
 *   gte-small 34 MB; 30k English WordPiece vocabularies) rank non-English passages near randomly, and fused
 *   with the lexical ranking that noise pushes good passages out. e5's 250k XLM-R vocabulary covers ~100
 *   languages.
 * - Cost: ~135 MB beside the 512 MB chat model (+26%), and 12 layers: ~190 ms per 200-token passage on one
 *   WASM thread (MiniLM-L6 shape: 95 ms), paid once per page version since the vectors are cached.
 * - Needs the `query: ` / `passage: ` prefixes it was trained with.
 */
export const MULTILINGUAL_E5_SMALL: EmbedderSpec = {
  id: 'multilingual-e5-small-q8',
  name: 'Multilingual E5 small',
  repo: 'Xenova/multilingual-e5-small',
  revision: '97cb8f96eaed1a1f0dac821239943e854fce9c36',
  dtype: 'q8',
  dims: 384,
  maxTokens: 512,
  queryPrefix: 'query: ',
  passagePrefix: 'passage: ',
  downloadBytes: 135_000_000,
  bundled: false,
};

/**
 * The random-weight encoder the test generator writes (scripts/generate-test-models.ts); never shipped. No
 * prefixes: on a tiny vocabulary a shared prefix makes every text look alike.
 */
export const TEST_TINY_BERT: EmbedderSpec = {
  id: 'test-tiny-bert',
  name: 'Test embedder (random weights)',
  repo: 'tiny-bert',
  revision: 'main',
  dtype: 'q8',
  dims: 64,
  maxTokens: 512,
  queryPrefix: '',
  passagePrefix: '',
  downloadBytes: 0,
  bundled: true,
};

/** The embedder a build uses: the generated test encoder in test builds, like {@link defaultModel}. */
export function defaultEmbedder(buildMode: string): EmbedderSpec {
  // The bench measures the chat model; the tiny encoder keeps the page index from weighing on it.
  return buildMode === TEST_BUILD_MODE || buildMode === BENCH_BUILD_MODE
    ? TEST_TINY_BERT
    : MULTILINGUAL_E5_SMALL;
}
