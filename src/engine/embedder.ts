import type { DownloadProgress } from '../protocol';

/** Which side of a search a text is on: models like e5 embed questions and passages differently. */
export type EmbedKind = 'query' | 'passage';

/** A loaded sentence-embedding model. */
export interface Embedder {
  /** The registry id of the model (`EmbedderSpec.id`): vectors from different models never mix. */
  readonly id: string;
  /**
   * Unit-length vectors (cosine is a dot product), one per text, in order; batched, so aborts wait one batch.
   *
   * @throws AppError `cancelled` when `signal` aborts.
   */
  embed(texts: string[], kind: EmbedKind, signal?: AbortSignal): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

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
