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
   * Most prompt tokens of a summary pass. Below the context size on purpose: on one WASM thread reading a
   * prompt takes seconds per thousand tokens (and grows faster than linearly), so beyond this a page is
   * read in parts.
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
 *
 * Measured in Chromium's service worker on this project's 2-core machine, one WASM thread, with a
 * random-weight model of these dimensions (`npm run bench:context` writes it): reading the prompt costs
 * about 11 ms a token, writing about 7.4 tokens/s. A 3,000-token page read in one pass shows its first
 * words after about 35 s; read as two parts, each part's notes alone cost about 16 s of writing, so the
 * first words come later (about 70 s). Hence a prompt cap of 3,072 tokens: long pages are split only
 * when they must be.
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
 * Default embedder. multilingual-e5-small, int8 (`Xenova/multilingual-e5-small`, pinned to commit 97cb8f9,
 * whose `onnx/` listing on the hub has `model_quantized.onnx`, 118 MB; its `tokenizer.json` is 17 MB):
 * - pages come in any language and the chat model (Qwen2.5) answers in them: an English-only embedder
 *   (all-MiniLM-L6-v2 at 23 MB, bge-small-en-v1.5 or gte-small at 34 MB, all with a 30k English WordPiece
 *   vocabulary) ranks non-English passages close to randomly, and fused with the lexical ranking that noise
 *   pushes good passages out instead of adding recall. e5's 250k-token XLM-R vocabulary covers ~100 languages;
 * - the cost is size and time: about 135 MB beside the 512 MB chat model (+26%), and 12 layers instead of
 *   MiniLM's 6, measured at about 190 ms per 200-token passage on one WASM thread (MiniLM-L6 shape: 95 ms),
 *   paid once per page version because the vectors are cached;
 * - it needs the `query: ` / `passage: ` prefixes it was trained with.
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
  return buildMode === TEST_BUILD_MODE ? TEST_TINY_BERT : MULTILINGUAL_E5_SMALL;
}
