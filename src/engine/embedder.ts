import { cancelled, throwIfAborted } from '../errors';
import type { Embedder } from '../model';
import type { DownloadProgress } from '../protocol';

/** Loads an embedder, reporting download progress; an abort stops its download (`cancelled`). */
export type LoadEmbedder = (
  onProgress: (progress: DownloadProgress) => void,
  signal: AbortSignal,
) => Promise<Embedder>;

/** An embedder loaded on first use, once, and shared. */
export interface LazyEmbedder {
  /**
   * The embedder, loading it first if needed. `onProgress` hears about the download while this call waits
   * for it (a second caller joins the same load and hears it too). A `signal` that aborts ends this call at
   * once (`cancelled`), and the load itself once no other caller waits for it: the next call resumes it.
   */
  get(onProgress?: (progress: DownloadProgress) => void, signal?: AbortSignal): Promise<Embedder>;
  /** Whether a load has started and not failed. */
  readonly started: boolean;
  dispose(): Promise<void>;
}

/**
 * Wraps a loader so the model loads lazily and once, like the engine does for the chat model. A failed or
 * stopped load is forgotten, so the next call tries again (a Retry after going back online).
 */
export function createLazyEmbedder(load: LoadEmbedder): LazyEmbedder {
  let loading: Promise<Embedder> | undefined;
  let controller: AbortController | undefined;
  const listeners = new Set<(progress: DownloadProgress) => void>();
  // The callers waiting for the load in flight: it runs while one of them has not been stopped.
  const waiters = new Set<AbortSignal | undefined>();

  const start = (): Promise<Embedder> => {
    const previous = loading;
    const own = new AbortController();
    controller = own;
    const attempt = (async () => {
      if (previous) {
        // A stopped load may still be writing its last chunk: the next one starts when it has ended.
        await previous.catch(() => {});
        throwIfAborted(own.signal);
      }
      return load((progress) => {
        for (const listener of listeners) listener(progress);
      }, own.signal);
    })().catch((error: unknown) => {
      if (loading === attempt) loading = undefined;
      throw error;
    });
    loading = attempt;
    return attempt;
  };

  const stopIfUnwanted = () => {
    if ([...waiters].every((signal) => signal?.aborted)) controller?.abort();
  };

  return {
    get started() {
      return loading !== undefined;
    },

    async get(onProgress, signal) {
      if (signal) throwIfAborted(signal);
      const pending = loading && !controller?.signal.aborted ? loading : start();
      if (onProgress) listeners.add(onProgress);
      waiters.add(signal);
      let onAbort = () => {};
      // This caller leaves at once; the load stops too once nobody else waits for it.
      const stopped = new Promise<never>((_, reject) => {
        onAbort = () => {
          reject(cancelled());
          stopIfUnwanted();
        };
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        return await Promise.race([pending, stopped]);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        waiters.delete(signal);
        if (onProgress) listeners.delete(onProgress);
      }
    },

    async dispose() {
      const embedder = await loading?.catch(() => undefined);
      loading = undefined;
      await embedder?.dispose();
    },
  };
}
