import { env, type ProgressInfo } from '@huggingface/transformers';
import { AppError } from '../../errors';
import type { DownloadProgress } from '../../protocol';
import type { ModelSpec } from '../registry';

// Where a model's files come from (bundled folder, hub, browser cache), how their download is reported, and
// what the user is told when they fail to load.

/** What loading needs to know about a model's files; chat models and embedders both have it. */
export type HubModel = Pick<ModelSpec, 'name' | 'repo' | 'revision' | 'dtype' | 'downloadBytes' | 'bundled'>;

/** Points transformers.js at the bundled folder or the hub, and at one WASM thread. */
function configureEnvironment(model: HubModel, localModelPath: string): void {
  env.allowLocalModels = model.bundled;
  env.allowRemoteModels = !model.bundled;
  env.localModelPath = localModelPath;
  // The Cache API only stores http(s) responses: bundled files are already on disk.
  env.useBrowserCache = !model.bundled && typeof caches !== 'undefined';
  const wasm = env.backends.onnx.wasm;
  if (wasm) {
    // A service worker can neither start Workers nor be cross-origin isolated: more threads throw.
    wasm.numThreads = 1;
    wasm.proxy = false;
  }
}

/** Whether the model's weights are already in the browser cache, so no download is needed. */
export async function isCached(model: HubModel): Promise<boolean> {
  if (typeof caches === 'undefined') return false;
  try {
    const cache = await caches.open(env.cacheKey);
    const file = `${env.remoteHost}${model.repo}/resolve/${model.revision}/onnx/${onnxFileName(model)}`;
    return (await cache.match(file)) !== undefined;
  } catch {
    return false;
  }
}

/** The ONNX file transformers.js loads for the model's dtype, under `onnx/`. */
export function onnxFileName(model: HubModel): string {
  const suffix = { q8: '_quantized', q4: '_q4', q4f16: '_q4f16', fp16: '_fp16', fp32: '' }[model.dtype];
  return `model${suffix}.onnx`;
}

/** Turns transformers.js's per-file progress events into one running total. */
function createProgressTracker(onProgress: (progress: DownloadProgress) => void) {
  const files = new Map<string, { loaded: number; total: number }>();
  return (info: ProgressInfo) => {
    if (info.status !== 'progress') return;
    files.set(info.file, { loaded: info.loaded, total: info.total });
    const list = [...files].map(([name, f]) => ({ name, ...f }));
    onProgress({
      files: list,
      loaded: list.reduce((sum, f) => sum + f.loaded, 0),
      total: list.reduce((sum, f) => sum + f.total, 0),
    });
  };
}

/** Drops a model's cached files, so that a damaged download is fetched again next time. */
async function forgetCachedModel(model: HubModel): Promise<void> {
  if (typeof caches === 'undefined') return;
  const cache = await caches.open(env.cacheKey);
  const prefix = `${env.remoteHost}${model.repo}/`;
  for (const request of await cache.keys()) {
    if (request.url.startsWith(prefix)) await cache.delete(request);
  }
}

/**
 * Whether a load failed on the model's files themselves (a write cut short leaves a truncated file, which
 * ONNX Runtime reports as a parse failure), rather than on memory or the runtime.
 */
export function isDamagedFileError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /protobuf|pars(e|ing)|unexpected end|corrupt|invalid (model|file)|JSON/i.test(message);
}

/** The error the user sees when a model fails to load, by where its files came from. */
export function loadError(model: HubModel, cached: boolean, error: unknown): AppError {
  const detail = error instanceof Error ? error.message : String(error);
  if (model.bundled) {
    return new AppError('model-load', `The bundled model could not be loaded (${detail}).`, { cause: error });
  }
  if (cached && isDamagedFileError(error)) {
    return new AppError(
      'model-load',
      `The saved copy of the model was damaged and has been removed. Try again to download it again. (${detail})`,
      { cause: error },
    );
  }
  if (cached) {
    return new AppError(
      'model-load',
      `The model could not be started (${detail}). Close some tabs to free memory and try again.`,
      { cause: error },
    );
  }
  const sizeMb = Math.round(model.downloadBytes / 1e6);
  return new AppError(
    'model-download',
    `Couldn’t download the model (${model.name}, about ${sizeMb} MB) from Hugging Face. Check your connection and try again. (${detail})`,
    { cause: error },
  );
}

/**
 * Loads a model's files with transformers.js: from the bundled folder or the hub, with its progress. Files
 * that were cached yet fail to load are damaged (an interrupted write): they are dropped, so that the next
 * try downloads them again instead of failing forever.
 *
 * @throws AppError `model-download` or `model-load`, with a message for the user.
 */
export async function loadModelFiles<T>(
  model: HubModel,
  localModelPath: string,
  onProgress: (progress: DownloadProgress) => void,
  load: (progressCallback: (info: ProgressInfo) => void) => Promise<T>,
): Promise<T> {
  configureEnvironment(model, localModelPath);
  const cached = model.bundled || (await isCached(model));
  try {
    return await load(createProgressTracker(onProgress));
  } catch (error) {
    if (cached && !model.bundled && isDamagedFileError(error)) await forgetCachedModel(model);
    throw loadError(model, cached, error);
  }
}
