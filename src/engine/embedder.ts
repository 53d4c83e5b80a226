import type { Embedder } from '../model';
import type { DownloadProgress } from '../protocol';

/** Loads an embedder, reporting download progress. */
export type LoadEmbedder = (onProgress: (progress: DownloadProgress) => void) => Promise<Embedder>;

/** An embedder loaded on first use, once, and shared. */
export interface LazyEmbedder {
  /**
   * The embedder, loading it first if needed. `onProgress` hears about the download while this call waits
   * for it (a second caller joins the same load and hears it too).
   */
  get(onProgress?: (progress: DownloadProgress) => void): Promise<Embedder>;
  /** Whether a load has started and not failed. */
  readonly started: boolean;
  dispose(): Promise<void>;
}

/**
 * Wraps a loader so the model loads lazily and once, like the engine does for the chat model. A failed
 * load is forgotten, so the next call tries again (a Retry after going back online).
 */
export function createLazyEmbedder(load: LoadEmbedder): LazyEmbedder {
  let loading: Promise<Embedder> | undefined;
  const listeners = new Set<(progress: DownloadProgress) => void>();

  return {
    get started() {
      return loading !== undefined;
    },

    async get(onProgress) {
      if (onProgress) listeners.add(onProgress);
      try {
        loading ??= load((progress) => {
          for (const listener of listeners) listener(progress);
        }).catch((error: unknown) => {
          loading = undefined;
          throw error;
        });
        return await loading;
      } finally {
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
