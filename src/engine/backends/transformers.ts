import { AutoModelForCausalLM, AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import type { ModelSpec } from '../../model';
import type { DownloadProgress } from '../../protocol';
import type { Backend, BackendId } from '../types';
import { isStored, loadModelFiles, type ModelFiles, type WasmRuntime } from './transformers-files';
import { createTransformersSession } from './transformers-session';

export interface TransformersBackendOptions {
  /** `wasm` or `webgpu` in the browser (onnxruntime-web), `cpu` in Node (onnxruntime-node). */
  device: 'wasm' | 'webgpu' | 'cpu';
  /** Folder or URL (with a trailing slash) holding bundled models. */
  localModelPath: string;
  /** ORT's WASM threads and files; one thread and ORT's bundled files when absent (a service worker). */
  runtime?: WasmRuntime;
  /** Where downloaded and imported models are kept; needed for any model that is not bundled. */
  files?: ModelFiles;
}

const BACKEND_IDS = {
  wasm: 'transformers-wasm',
  webgpu: 'transformers-webgpu',
  cpu: 'transformers-node',
} as const satisfies Record<TransformersBackendOptions['device'], BackendId>;

/** Runs models with transformers.js: onnxruntime-web WASM in the extension, onnxruntime-node in Node. */
export function createTransformersBackend(options: TransformersBackendOptions): Backend {
  return {
    id: BACKEND_IDS[options.device],

    async availability(model) {
      return (await isStored(model, options.files)) ? 'available' : 'downloadable';
    },

    async load(model, onProgress, signal) {
      const { tokenizer, lm } = await loadModelFiles(
        model,
        options.localModelPath,
        options.files,
        onProgress,
        async (progress_callback) => {
          const common = { revision: model.revision, progress_callback };
          // allSettled, not all: a retry must not join the failed attempt's downloads still in flight
          // (transformers.js shares in-flight loads of the same file).
          const [tokenizer, lm] = await Promise.allSettled([
            AutoTokenizer.from_pretrained(model.repo, common),
            AutoModelForCausalLM.from_pretrained(model.repo, {
              ...common,
              dtype: model.dtype,
              device: options.device,
            }),
          ]);
          if (tokenizer.status === 'fulfilled' && lm.status === 'fulfilled') {
            return { tokenizer: tokenizer.value, lm: lm.value };
          }
          if (lm.status === 'fulfilled') await lm.value.dispose();
          throw tokenizer.status === 'rejected' ? tokenizer.reason : (lm as PromiseRejectedResult).reason;
        },
        options.runtime,
        signal,
      );
      return createTransformersSession(model, tokenizer, lm);
    },
  };
}

/**
 * Loads only a model's tokenizer, for a context that counts tokens while another runs the model (the worker,
 * beside the offscreen host). Same files, same cache: after the host's load it downloads nothing.
 */
export async function loadTokenizer(
  model: ModelSpec,
  localModelPath: string,
  files: ModelFiles | undefined,
  onProgress: (progress: DownloadProgress) => void,
): Promise<PreTrainedTokenizer> {
  return loadModelFiles(model, localModelPath, files, onProgress, (progress_callback) =>
    AutoTokenizer.from_pretrained(model.repo, { revision: model.revision, progress_callback }),
  );
}
