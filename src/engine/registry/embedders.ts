import type { Dtype } from '../../model';
import { isBenchBuild, packagesTestModels } from './build-modes';

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
  dtype: Dtype;
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
  return packagesTestModels(buildMode) || isBenchBuild(buildMode) ? TEST_TINY_BERT : MULTILINGUAL_E5_SMALL;
}
