import {
  type FeatureExtractionPipeline,
  mean_pooling,
  pipeline,
  type Tensor,
} from '@huggingface/transformers';
import { cancelled } from '../../errors';
import type { Embedder } from '../../model';
import type { DownloadProgress } from '../../protocol';
import type { EmbedderSpec } from '../registry';
import { yieldToEventLoop } from '../yield';
import type { TransformersBackendOptions } from './transformers';
import { loadModelFiles } from './transformers-files';

/**
 * Texts per model call. On one WASM thread batching is no faster per text (e5-small shape: 190 ms per
 * 200-token passage at 1, 4 or 8 a call) and a call blocks the worker; four keeps a Stop under a second.
 */
const EMBED_BATCH_SIZE = 4;

/**
 * Loads a sentence-embedding model with transformers.js (`feature-extraction`), bundled or from the hub.
 * Vectors are mean-pooled and unit length, as the supported models (e5, MiniLM, BERT-likes) expect.
 *
 * @throws AppError `model-download`, `disk-full` or `model-load` (files are verified before they load), or
 * `cancelled` when `signal` stops the download.
 */
export async function loadTransformersEmbedder(
  spec: EmbedderSpec,
  options: TransformersBackendOptions,
  onProgress: (progress: DownloadProgress) => void,
  signal?: AbortSignal,
): Promise<Embedder> {
  const extractor = await loadModelFiles(
    spec,
    options.localModelPath,
    options.files,
    onProgress,
    (progress_callback) =>
      pipeline('feature-extraction', spec.repo, {
        revision: spec.revision,
        dtype: spec.dtype,
        device: options.device,
        progress_callback,
      }),
    undefined,
    signal,
  );
  return createTransformersEmbedder(spec, extractor);
}

function createTransformersEmbedder(spec: EmbedderSpec, extractor: FeatureExtractionPipeline): Embedder {
  const { tokenizer, model } = extractor;

  const embedBatch = async (texts: string[]): Promise<Float32Array[]> => {
    // The pipeline's own call truncates only at the tokenizer's `model_max_length`; calling the tokenizer
    // directly lets the spec set a lower limit.
    const inputs = tokenizer(texts, { padding: true, truncation: true, max_length: spec.maxTokens });
    const outputs = (await model(inputs)) as { last_hidden_state: Tensor };
    const pooled = mean_pooling(outputs.last_hidden_state, inputs.attention_mask as Tensor).normalize(2, -1);
    const dims = pooled.dims[1] as number;
    const data = pooled.data as Float32Array;
    return texts.map((_, row) => data.slice(row * dims, (row + 1) * dims));
  };

  return {
    id: spec.id,

    async embed(texts, kind, signal) {
      const prefix = kind === 'query' ? spec.queryPrefix : spec.passagePrefix;
      const vectors: Float32Array[] = new Array(texts.length);
      // Similar lengths share a batch, so little time goes into padding.
      const order = texts.map((_, i) => i).sort((a, b) => (texts[b]?.length ?? 0) - (texts[a]?.length ?? 0));
      for (let start = 0; start < order.length; start += EMBED_BATCH_SIZE) {
        // A model call blocks the event loop: let a pending Stop (a port message) run first.
        await yieldToEventLoop();
        if (signal?.aborted) throw cancelled();
        const batch = order.slice(start, start + EMBED_BATCH_SIZE);
        const batchVectors = await embedBatch(batch.map((i) => prefix + texts[i]));
        batch.forEach((i, row) => {
          vectors[i] = batchVectors[row] as Float32Array;
        });
      }
      if (signal?.aborted) throw cancelled();
      return vectors;
    },

    async dispose() {
      await extractor.dispose();
    },
  };
}
