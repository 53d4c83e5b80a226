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
  /**
   * The file to load instead on a GPU without 16-bit shaders (`shader-f16`), when `dtype` needs them;
   * without one the model cannot run on such a GPU.
   */
  dtypeWithoutF16?: 'q4' | 'fp32';
  /**
   * The largest single weight buffer, in bytes (usually the embedding table): a GPU whose
   * `maxStorageBufferBindingSize` is smaller cannot hold it.
   */
  largestTensorBytes?: number;
  /** The model's context window in tokens (`max_position_embeddings`); nothing may generate past it. */
  contextSize: number;
  /**
   * Most prompt tokens of a summary pass, below the context on purpose: one WASM thread reads a prompt at
   * seconds per thousand tokens (worse than linearly), so longer pages are read in parts.
   */
  maxPromptTokens: number;
  /**
   * Pages up to this many tokens are summarized in one pass (default `SINGLE_PASS_MAX_TOKENS`, sized for one
   * WASM thread); a GPU reads prompts fast enough to take whole pages.
   */
  singlePassTokens?: number;
  /** The first part of a page read in parts (default `FIRST_SUMMARY_PART_TOKENS`). */
  firstPartTokens?: number;
  /** Most prompt tokens of a chat; above `maxPromptTokens` as follow-ups reuse earlier turns' KV cache. */
  maxChatPromptTokens: number;
  /** Approximate download size in bytes, to tell the user before the first use. */
  downloadBytes: number;
  /** Packaged inside the extension (test builds): loaded from `models/`, never from the network. */
  bundled: boolean;
  /** Most tokens one call may write, below what the caller asks for; unset: no cap of the model's own. */
  maxNewTokens?: number;
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

/**
 * Default on WebGPU: the same model at q4f16 (`onnx/model_q4f16.onnx`, 483 MB), WebGPU's usual dtype: half
 * the memory traffic of fp32 activations, and the int8 `MatMulInteger` of the CPU file is not a WebGPU
 * kernel. A GPU without `shader-f16` loads q4 (`model_q4.onnx`, 786 MB) instead. A GPU reads a prompt fast,
 * so a whole long page goes in one pass where one WASM thread needs parts.
 * - The embedding table, 151,936 x 896, is the largest buffer: ~272 MB as fp16 (q4f16 keeps it fp16), ~545
 *   MB as fp32 (q4).
 */
export const QWEN25_05B_GPU: ModelSpec = {
  ...QWEN25_05B,
  id: 'qwen2.5-0.5b-instruct-q4f16',
  dtype: 'q4f16',
  dtypeWithoutF16: 'q4',
  largestTensorBytes: 151_936 * 896 * 4,
  maxPromptTokens: 8_192,
  maxChatPromptTokens: 8_192,
  // Prefill runs at thousands of tokens a second on a GPU: a whole 8k-token page shows first words in a
  // few seconds, so parts (and their overview pass) are only for pages longer than that.
  singlePassTokens: 8_192,
  firstPartTokens: 4_096,
  downloadBytes: 483_000_000,
  tiers: ['webgpu'],
};

/**
 * Chrome's built-in model, Gemini Nano, through the Prompt API (`LanguageModel`, Chrome 138+ for extensions).
 * - The only model that API runs. Chrome owns the file (about 4 GB, its own download, which Pagewise offers
 *   and never starts silently), updates it, and runs it on the GPU or CPU: `repo`, `revision` and `dtype`
 *   are not ours to choose and are not read for this tier.
 * - Worth it when Chrome says `available`: nothing of ours to download, and Chrome only offers it on
 *   machines strong enough (a GPU with more than 4 GB, or 16 GB of memory and 4 cores).
 * - The limits here are a typical session's; a loaded session replaces them with its own input quota
 *   (`inputQuota`, less room for the answer: see backends/chrome-builtin.ts).
 */
export const GEMINI_NANO: ModelSpec = {
  id: 'chrome-builtin-gemini-nano',
  name: 'Gemini Nano (built into Chrome)',
  repo: 'chrome-builtin',
  revision: 'chrome',
  dtype: 'q4',
  contextSize: 9_216,
  maxPromptTokens: 8_192,
  maxChatPromptTokens: 8_192,
  downloadBytes: 4_000_000_000,
  bundled: false,
  tiers: ['chrome-builtin'],
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

/**
 * The same test model as fp32 for WebGPU (SwiftShader here has no 16-bit shaders, and int8
 * `MatMulInteger` is not a WebGPU kernel).
 */
export const TEST_TINY_LLAMA_GPU: ModelSpec = {
  ...TEST_TINY_LLAMA,
  id: 'test-tiny-llama-fp32',
  name: 'Test model (random weights, fp32)',
  dtype: 'fp32',
  // SwiftShader, the software GPU of the test machines, writes a few tokens a second: keep answers short.
  maxNewTokens: 12,
  tiers: ['webgpu'],
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

/** The model a tier runs unless the user picked another; undefined for tiers that bring their own. */
export function defaultModelForTier(tier: TierId, buildMode: string): ModelSpec | undefined {
  if (tier === 'chrome-builtin') return undefined;
  if (tier !== 'webgpu') return defaultModel(buildMode);
  if (buildMode === BENCH_BUILD_MODE) return undefined; // its packaged model is int8, a CPU-only file
  return buildMode === TEST_BUILD_MODE ? TEST_TINY_LLAMA_GPU : QWEN25_05B_GPU;
}

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
