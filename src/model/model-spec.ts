import * as v from 'valibot';
import { TIER_IDS } from './tiers';

/** The ONNX files a model may come as (`q8` -> `onnx/model_quantized.onnx`; see `engine/files/hub-files.ts`). */
export const DTYPES = ['q8', 'q4', 'q4f16', 'fp16', 'fp32'] as const;

export type Dtype = (typeof DTYPES)[number];

const Name = v.pipe(v.string(), v.minLength(1), v.maxLength(200));
const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Words = v.pipe(v.string(), v.maxLength(1_000));

/**
 * A model the extension can run, with every fact about it in one place. The registry's entries are typed by
 * it; a spec that crosses a boundary (the offscreen port, an imported model in the settings) is checked
 * against it.
 */
export const ModelSpecSchema = v.object({
  /** Stable id, safe to store. */
  id: Name,
  /** Shown to users. */
  name: Name,
  /** Hugging Face hub repository, or the folder under the extension's `models/` when bundled. */
  repo: Name,
  /** A commit hash for hub models, so the files (and their hashes) never change under us. */
  revision: Name,
  /** Selects the ONNX file; the repository must publish it. */
  dtype: v.picklist(DTYPES),
  /**
   * The largest single weight buffer, in bytes (usually the embedding table): a GPU whose
   * `maxStorageBufferBindingSize` is smaller cannot hold it.
   */
  largestTensorBytes: v.optional(Count),
  /** The model's context window in tokens (`max_position_embeddings`); nothing may generate past it. */
  contextSize: Count,
  /**
   * Most prompt tokens of a summary pass, below the context on purpose: one WASM thread reads a prompt at
   * seconds per thousand tokens (worse than linearly), so longer pages are read in parts.
   */
  maxPromptTokens: Count,
  /**
   * Pages up to this many tokens are summarized in one pass (default `SINGLE_PASS_MAX_TOKENS`, sized for one
   * WASM thread); a GPU reads prompts fast enough to take whole pages.
   */
  singlePassTokens: v.optional(Count),
  /** The first part of a page read in parts (default `FIRST_SUMMARY_PART_TOKENS`). */
  firstPartTokens: v.optional(Count),
  /** Most prompt tokens of a chat; above `maxPromptTokens` as follow-ups reuse earlier turns' KV cache. */
  maxChatPromptTokens: Count,
  /** Approximate download size in bytes (weights and tokenizer), to tell the user before the first use. */
  downloadBytes: Count,
  /** Packaged inside the extension (test builds): loaded from `models/`, never from the network. */
  bundled: v.boolean(),
  /** Most tokens one call may write, below what the caller asks for; unset: no cap of the model's own. */
  maxNewTokens: v.optional(Count),
  /** Imported by the user from a folder (Settings): its files are in the model store, never downloaded. */
  imported: v.optional(v.boolean()),
  /** Extra variables for the chat template. */
  chatTemplateOptions: v.optional(v.record(v.string(), v.unknown())),
  /** The model may write `<think>…</think>` reasoning first: it is removed from what the user sees. */
  stripThinking: v.optional(v.boolean()),
  /** The engine tiers that can run this file (its dtype decides: int8 is a CPU kernel, q4f16 needs a GPU). */
  tiers: v.pipe(v.array(v.picklist(TIER_IDS)), v.readonly()),
  /** Its weights compute in 16-bit floats: a GPU without `shader-f16` cannot run it. */
  needsShaderF16: v.optional(v.boolean()),
  /** The languages it answers well in, for the Settings list. */
  languages: Words,
  /** Its licence, for the Settings list (SPDX id where there is one). */
  license: Words,
});

/** A model the extension can run (see {@link ModelSpecSchema}). */
export type ModelSpec = v.InferOutput<typeof ModelSpecSchema>;
