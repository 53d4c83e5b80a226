import { env, type ProgressInfo } from '@huggingface/transformers';
import { AppError, localMessage } from '../../errors';
import type { ModelSpec } from '../../model';
import type { DownloadProgress } from '../../protocol';
import type { Downloader } from '../files/downloader';
import type { ModelFileStore } from '../files/model-file-store';
import type { VerifiedCache } from '../files/verified-cache';

// Where a model's files come from (the bundled folder, or the verified file store the downloader fills),
// how loading is reported, and what the user is told when a load fails.

/** What loading needs to know about a model's files; chat models and embedders both have it. */
export type HubModel = Pick<
  ModelSpec,
  'id' | 'name' | 'repo' | 'revision' | 'dtype' | 'downloadBytes' | 'bundled' | 'imported'
>;

/**
 * How ONNX Runtime's WASM runs. The default, one thread and ORT's own bundled factory, is the only one a
 * service worker allows; a cross-origin isolated page (the offscreen host) can run threads.
 */
export interface WasmRuntime {
  numThreads: number;
  /**
   * The packaged ORT files. A page context must set them, or transformers.js points ORT at a CDN (NOTES.md);
   * threads need the `.mjs` as a file, since each pthread worker starts from its URL.
   */
  wasmPaths?: { mjs: string; wasm: string };
}

/** The store of downloaded and imported model files, and the downloader that fills it. */
export interface ModelFiles {
  store: ModelFileStore;
  downloader: Downloader;
  /** What transformers.js reads through: verified files only. */
  cache: VerifiedCache;
}

/**
 * Points transformers.js at the bundled folder and the verified store, never at the network: the
 * downloader fetched and checked every file first, and a file it lacks is a miss, not a download.
 */
function configureEnvironment(
  model: HubModel,
  localModelPath: string,
  files: ModelFiles | undefined,
  runtime: WasmRuntime,
): void {
  // Local lookups stay on so that an optional file the model lacks (generation_config.json) is a quiet miss.
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  env.localModelPath = localModelPath;
  env.useBrowserCache = false;
  env.useFSCache = false;
  env.useCustomCache = files !== undefined;
  env.customCache = files?.cache ?? null;
  if (files) {
    env.remoteHost = files.downloader.host;
    files.cache.pin(files.downloader.host, model);
    // Packaged files too go through the cache, which knows their sizes (a folder path in Node is read
    // from disk with its size known already).
    if (/^(chrome-extension|moz-extension|https?):/.test(localModelPath))
      files.cache.packaged(localModelPath);
  }
  const wasm = env.backends.onnx.wasm;
  if (wasm) {
    // A service worker can neither start Workers nor be cross-origin isolated: more threads throw there.
    wasm.numThreads = runtime.numThreads;
    wasm.proxy = false;
    if (runtime.wasmPaths) {
      wasm.wasmPaths = runtime.wasmPaths;
      // transformers.js would fetch the files itself to keep them in the Cache API, which only stores
      // http(s) responses; packaged files are on disk already.
      env.useWasmCache = false;
    }
  }
}

/** Whether the model can load with no download: bundled, or every file stored and verified. */
export async function isStored(model: HubModel, files: ModelFiles | undefined): Promise<boolean> {
  if (model.bundled) return true;
  return files ? files.downloader.isReady(model.id) : false;
}

/**
 * Turns transformers.js's per-file progress events (reading from the store) into one running total. With
 * the stored model's manifest the total is the model's size from the first event, not the sum of the files
 * opened so far.
 */
function createProgressTracker(onProgress: (progress: DownloadProgress) => void, expectedTotal = 0) {
  const files = new Map<string, { loaded: number; total: number }>();
  return (info: ProgressInfo) => {
    if (info.status !== 'progress') return;
    files.set(info.file, { loaded: info.loaded, total: info.total });
    const list = [...files].map(([name, f]) => ({ name, ...f }));
    onProgress({
      files: list,
      loaded: list.reduce((sum, f) => sum + f.loaded, 0),
      total: Math.max(
        expectedTotal,
        list.reduce((sum, f) => sum + f.total, 0),
      ),
    });
  };
}

/** The bytes of a stored model's files, from its manifest; 0 when not known (a packaged model). */
async function storedBytes(model: HubModel, files: ModelFiles | undefined): Promise<number> {
  if (model.bundled || !files) return 0;
  const manifest = await files.store.getManifest(model.id).catch(() => undefined);
  return manifest?.files.reduce((sum, file) => sum + file.expected.size, 0) ?? 0;
}

/**
 * The error the user sees when verified (or bundled) files fail to load: their bytes matched the hub's
 * hashes, so the cause is the runtime or memory, never a damaged download.
 */
export function loadError(model: HubModel, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  if (model.bundled) {
    return new AppError('model-load', localMessage('error_bundled_load', detail), { cause: error });
  }
  return new AppError('model-load', localMessage('error_model_start', detail), { cause: error });
}

/**
 * Loads a model's files with transformers.js. Hub models are first downloaded (resumably) and verified
 * into the store; imported ones are checked there; transformers.js then reads only those files. Stored files
 * are hashed once per browser session; a load that fails hashes them again (a file damaged on disk since is
 * deleted and downloaded again) and is tried once more. An abort stops the download (the bytes stored stay
 * for the next load) and rejects with `cancelled`.
 *
 * @throws AppError `model-download`, `disk-full` or `model-load`, with a message for the user.
 */
export async function loadModelFiles<T>(
  model: HubModel,
  localModelPath: string,
  files: ModelFiles | undefined,
  onProgress: (progress: DownloadProgress) => void,
  load: (progressCallback: (info: ProgressInfo) => void) => Promise<T>,
  runtime: WasmRuntime = { numThreads: 1 },
  signal?: AbortSignal,
): Promise<T> {
  if (!model.bundled) {
    if (!files) throw new AppError('model-load', `No file store is set up to load ${model.name}.`);
    await files.downloader.ensure(model, { signal, onProgress, offline: model.imported === true });
  }
  configureEnvironment(model, localModelPath, files, runtime);
  const total = await storedBytes(model, files);
  try {
    return await load(createProgressTracker(onProgress, total));
  } catch (error) {
    if (model.bundled || !files || signal?.aborted || error instanceof AppError)
      throw loadError(model, error);
    // Files checked earlier in this browser session may have been damaged on disk since.
    await files.downloader.ensure(model, {
      signal,
      onProgress,
      offline: model.imported === true,
      recheck: true,
    });
    configureEnvironment(model, localModelPath, files, runtime);
    try {
      return await load(createProgressTracker(onProgress, total));
    } catch (again) {
      throw loadError(model, again);
    }
  }
}
