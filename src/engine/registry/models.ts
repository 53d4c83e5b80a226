import type { ModelSpec } from '../../model';

/*
 * The curated list. Every hub entry was checked against the hub's published file list (the repository's
 * `onnx/` tree: the dtype's file exists, with the size given) and is pinned to a commit where one could be
 * found; the downloader checks every file against the tree API at that revision anyway, so a wrong pin fails
 * loudly, never silently. The reason for each choice is next to it.
 */

/**
 * CPU default: Qwen2.5-0.5B-Instruct, int8 (`onnx/model_quantized.onnx`, 512 MB).
 * - The best instruction follower of the sub-600 MB Apache-2.0 models with transformers.js ONNX files
 *   (SmolLM2-360M: far lower IFEval, English only; Qwen3-0.6B: 570 MB+ at q4f16, slow on CPU, thinks by
 *   default; LFM2: not Apache-licensed). Multilingual, so pages are summarized in their language.
 * - int8 is ORT's fastest CPU kernel (faster than int4); Firefox ships it (Mozilla/Qwen2.5-0.5B-Instruct).
 * - Measured in Chromium's service worker (2 cores, one WASM thread, random weights of these dimensions from
 *   `npm run bench:context`): prefill ~11 ms a token, decode ~7.4 tokens/s. A 3,000-token page shows its
 *   first words after ~35 s in one pass, ~70 s in two parts (each part's notes take ~16 s to write); hence
 *   the 3,072-token prompt cap, so pages are split only when they must be.
 * - Pinned to cc5cc01 (main, "[Automated] Update base model metadata", Oct 8 2024; the ONNX files are from
 *   516c8d0 before it: model_quantized.onnx 512 MB).
 */
export const QWEN25_05B: ModelSpec = {
  id: 'qwen2.5-0.5b-instruct-q8',
  name: 'Qwen2.5 0.5B Instruct',
  repo: 'onnx-community/Qwen2.5-0.5B-Instruct',
  revision: 'cc5cc01a65cc3ff17bdb73a7de33d879f62599b0',
  dtype: 'q8',
  contextSize: 32_768,
  maxPromptTokens: 3_072,
  maxChatPromptTokens: 4_096,
  downloadBytes: 512_000_000,
  bundled: false,
  tiers: ['wasm', 'wasm-threads'],
  languages: 'Multilingual (29 languages)',
  license: 'Apache-2.0',
};

/**
 * CPU, for low-memory machines: SmolLM2-360M-Instruct, int4 (`onnx/model_q4.onnx`, 417 MB).
 * - 360M parameters against 494M: about a third less memory and faster per token; the repository publishes
 *   only fp32, fp16, q4 and q4f16 (no int8), and q4 is the one with a CPU kernel (MatMulNBits) that is
 *   smaller than fp32. The price: English only, and a weaker instruction follower (IFEval 41.0).
 * - 8k context, so the same 3,072-token prompt cap as the default.
 * - Revision: the ONNX files were last uploaded in commit 6d8b2a3 ("Upload improved ONNX weights (#7)",
 *   Nov 25 2024), but no full commit hash could be found in the stored hub pages: pinned to `main` until
 *   one is checked, and the downloader still verifies every file against the hub's tree at that revision.
 */
export const SMOLLM2_360M: ModelSpec = {
  id: 'smollm2-360m-instruct-q4',
  name: 'SmolLM2 360M Instruct',
  repo: 'HuggingFaceTB/SmolLM2-360M-Instruct',
  revision: 'main',
  dtype: 'q4',
  contextSize: 8_192,
  maxPromptTokens: 3_072,
  maxChatPromptTokens: 4_096,
  downloadBytes: 420_000_000,
  bundled: false,
  tiers: ['wasm', 'wasm-threads'],
  languages: 'English',
  license: 'Apache-2.0',
};

/**
 * GPU default: Qwen2.5-1.5B-Instruct, 4-bit weights with 16-bit activations (`onnx/model_q4f16.onnx`, 1.22 GB).
 * - Issue 10: reading a prompt costs little on a GPU, so the GPU tier runs a 1.5 to 2B instruct model at
 *   q4f16 with larger budgets (parts are larger and fewer). Same family, tokenizer and languages as the CPU
 *   default, three times the parameters; Apache-2.0.
 * - Budgets: 8k-token summary passes and 12k-token chats, well inside the 32k context.
 * - Pinned to 94677ac (main, Oct 8; the ONNX files are from 9f9c976).
 */
export const QWEN25_15B: ModelSpec = {
  id: 'qwen2.5-1.5b-instruct-q4f16',
  name: 'Qwen2.5 1.5B Instruct',
  repo: 'onnx-community/Qwen2.5-1.5B-Instruct',
  revision: '94677ac90364afdc2b476788d085a9680efde737',
  dtype: 'q4f16',
  contextSize: 32_768,
  maxPromptTokens: 8_192,
  maxChatPromptTokens: 12_288,
  // Prefill runs at thousands of tokens a second on a GPU: a whole 8k-token page shows first words in a
  // few seconds, so parts (and their overview pass) are only for pages longer than that.
  singlePassTokens: 8_192,
  firstPartTokens: 4_096,
  // The embedding table, 151,936 x 1,536, is the largest buffer: fp16 here.
  largestTensorBytes: 151_936 * 1_536 * 2,
  downloadBytes: 1_230_000_000,
  bundled: false,
  tiers: ['webgpu'],
  needsShaderF16: true,
  languages: 'Multilingual (29 languages)',
  license: 'Apache-2.0',
};

/**
 * GPU without `shader-f16`: the same model, 4-bit weights with 32-bit activations (`onnx/model_q4.onnx`,
 * 1.79 GB). A second entry rather than a `dtypeWithoutF16` field: each entry is exactly one set of files,
 * one download size and one verified manifest, so Settings shows truthfully what each download costs, and
 * both can be stored side by side.
 */
export const QWEN25_15B_NO_F16: ModelSpec = {
  ...QWEN25_15B,
  id: 'qwen2.5-1.5b-instruct-q4',
  name: 'Qwen2.5 1.5B Instruct (for GPUs without 16-bit shaders)',
  dtype: 'q4',
  // fp32 activations: the embedding table takes twice the bytes.
  largestTensorBytes: 151_936 * 1_536 * 4,
  downloadBytes: 1_800_000_000,
  needsShaderF16: false,
};

/**
 * GPU, smaller: Qwen3-0.6B, q4f16 (`onnx/model_q4f16.onnx`, about 570 MB).
 * - A newer, stronger 0.6B for GPUs with less memory; 40k context. It thinks by default: the template's
 *   `enable_thinking: false` turns that off, and any `<think>` block is still stripped from the output.
 * - Revision da14531 is the pin another project reviewed (its file list matches the hub's: config.json
 *   912 bytes, tokenizer.json 9.1 MB); not seen on the hub's own pages here.
 */
export const QWEN3_06B: ModelSpec = {
  id: 'qwen3-0.6b-q4f16',
  name: 'Qwen3 0.6B',
  repo: 'onnx-community/Qwen3-0.6B-ONNX',
  revision: 'da1453100cf3ff33ef56d17983fc7a8648706db6',
  dtype: 'q4f16',
  contextSize: 40_960,
  maxPromptTokens: 6_144,
  maxChatPromptTokens: 8_192,
  downloadBytes: 580_000_000,
  bundled: false,
  chatTemplateOptions: { enable_thinking: false },
  stripThinking: true,
  singlePassTokens: 6_144,
  firstPartTokens: 3_072,
  largestTensorBytes: 151_936 * 1_024 * 2,
  tiers: ['webgpu'],
  needsShaderF16: true,
  languages: 'Multilingual (100+ languages)',
  license: 'Apache-2.0',
};

/**
 * Chrome's built-in model, Gemini Nano, through the Prompt API (`LanguageModel`, Chrome 138+ for extensions).
 * - The only model that API runs. Chrome owns the file (about 4 GB, its own download, which Pagewise offers
 *   and never starts silently), updates it, and runs it on the GPU or CPU: `repo`, `revision` and `dtype`
 *   are not ours to choose and are not read for this tier.
 * - Worth it when Chrome says `available`: nothing of ours to download, and Chrome only offers it on
 *   machines strong enough (a GPU with more than 4 GB, or 16 GB of memory and 4 cores).
 * - The limits here are a typical session's; a loaded session replaces them with its own input quota
 *   (`inputQuota`, less room for the answer: see backends/chrome-builtin/budgets.ts).
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
  // The Prompt API is asked for English in and out (Chrome 138 offers no other; see chrome-builtin/prompt-api.ts).
  languages: 'English (reads other languages)',
  license: 'Google Gemini Nano terms (Chrome)',
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
  languages: 'None (random weights)',
  license: 'Apache-2.0',
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

/** Random weights with the default model's dimensions and tokenizer, and its budgets (bench/chromium.ts). */
export const BENCH_QWEN_SHAPE: ModelSpec = {
  ...QWEN25_05B,
  id: 'bench-qwen2.5-0.5b-random',
  name: 'Qwen2.5 0.5B dimensions (random weights)',
  repo: 'qwen2.5-0.5b-random',
  revision: 'main',
  downloadBytes: 0,
  bundled: true,
};

/**
 * The same random-weight model as the bench downloads it, from its stand-in hub into the model store: the
 * path users have, for the bench's cold-start figures (issue 19). Offered by the bench build only.
 */
export const BENCH_QWEN_HUB: ModelSpec = {
  ...BENCH_QWEN_SHAPE,
  id: 'bench-qwen2.5-0.5b-hub',
  name: 'Qwen2.5 0.5B dimensions (random weights, downloaded)',
  repo: 'pagewise-bench/qwen2.5-0.5b-random',
  revision: 'main',
  downloadBytes: 1_060_000_000,
  bundled: false,
};

/** Every model a production build offers, best default first within each tier. */
export const MODELS: readonly ModelSpec[] = [
  QWEN25_05B,
  SMOLLM2_360M,
  QWEN25_15B,
  QWEN25_15B_NO_F16,
  QWEN3_06B,
];
