import type { ModelSpec } from '../../model';
import { fileUrl } from './hub-files';
import type { ModelFileStore } from './model-file-store';

/**
 * The cache transformers.js reads model files from (`env.customCache`: `match` and `put`, as the
 * `CacheInterface` of its utils/cache.js declares).
 */
export interface VerifiedCache {
  match(request: string): Promise<Response | undefined>;
  put(): Promise<void>;
  /**
   * Serves the model's pinned revision for any revision asked: transformers.js 4.3.1 checks that a
   * tokenizer exists without passing the revision (get_tokenizer_files asks for `main`).
   */
  pin(host: string, model: Pick<ModelSpec, 'repo' | 'revision'>): void;
}

/**
 * Answers only verified files from the store; anything else is a miss, so transformers.js never sees a
 * partial or damaged file. `put` does nothing: the downloader alone writes, after checking.
 */
export function createVerifiedCache(store: ModelFileStore): VerifiedCache {
  // `{host}{repo}/resolve/` -> the revision stored for it.
  const pinned = new Map<string, Pick<ModelSpec, 'repo' | 'revision'> & { host: string }>();

  const lookup = async (request: string) => {
    const exact = await store.getFile(request);
    if (exact) return exact;
    const match = /^(.*\/resolve\/)[^/]+\/(.+)$/.exec(request);
    const model = match?.[1] ? pinned.get(match[1]) : undefined;
    return model && match?.[2] ? store.getFile(fileUrl(model.host, model, match[2])) : undefined;
  };

  return {
    async match(request) {
      const file = await lookup(request);
      if (!file?.verified) return undefined;
      // The Response streams the stored Blobs, with the size transformers.js reports progress against.
      return new Response(new Blob(await store.readBlobs(file.url)), {
        status: 200,
        headers: { 'content-length': String(file.received) },
      });
    },
    async put() {},
    pin(host, model) {
      pinned.set(`${host}${model.repo}/resolve/`, { host, repo: model.repo, revision: model.revision });
    },
  };
}
