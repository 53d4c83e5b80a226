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
  /** Serves packaged models too, from this folder URL (with a trailing slash), with their sizes. */
  packaged(base: string): void;
}

/** The file the build writes beside packaged models: each file's path under `models/` and its byte length. */
export const PACKAGED_SIZES_FILE = 'sizes.json';

/**
 * A model file as transformers.js must get it: a stream with its `content-length`. Without one,
 * transformers.js 4.3.1's `readResponse` grows its buffer and copies everything read so far on every
 * chunk, which is quadratic: a 1 GB packaged model took 175 s to read (issue 19). With it, one buffer.
 */
export function sizedResponse(body: ReadableStream<Uint8Array> | null, size: number): Response {
  return new Response(body, { status: 200, headers: { 'content-length': String(size) } });
}

/** The stored chunks one after another, each read whole (4 MB each): few, large pieces to copy. */
function streamBlobs(blobs: readonly Blob[]): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const blob = blobs[next++];
      if (!blob) {
        controller.close();
        return;
      }
      controller.enqueue(new Uint8Array(await blob.arrayBuffer()));
    },
  });
}

/**
 * Serves a packaged file (a `chrome-extension://…/models/…` URL) with the size the build recorded for it;
 * `undefined` for a file the build did not package, which transformers.js then treats as a quiet miss.
 */
export async function servePackaged(
  url: string,
  base: string,
  sizes: () => Promise<Readonly<Record<string, number>>>,
  fetchFn: typeof fetch = (input, init) => fetch(input, init),
): Promise<Response | undefined> {
  if (!url.startsWith(base)) return undefined;
  const size = (await sizes())[url.slice(base.length)];
  if (size === undefined) return undefined;
  const response = await fetchFn(url);
  if (!response.ok) return undefined;
  return sizedResponse(response.body, size);
}

/**
 * Answers only verified files from the store, and packaged ones; anything else is a miss, so
 * transformers.js never sees a partial or damaged file. Both kinds come through `sizedResponse`. `put`
 * does nothing: the downloader alone writes, after checking.
 */
export function createVerifiedCache(
  store: ModelFileStore,
  fetchFn: typeof fetch = (input, init) => fetch(input, init),
): VerifiedCache {
  // `{host}{repo}/resolve/` -> the revision stored for it.
  const pinned = new Map<string, Pick<ModelSpec, 'repo' | 'revision'> & { host: string }>();
  let packagedBase: string | undefined;
  let sizes: Promise<Record<string, number>> | undefined;
  const packagedSizes = () => {
    sizes ??= (async () => {
      try {
        const response = await fetchFn(`${packagedBase}${PACKAGED_SIZES_FILE}`);
        return response.ok ? ((await response.json()) as Record<string, number>) : {};
      } catch {
        // A build with no packaged model has no such file.
        return {};
      }
    })();
    return sizes;
  };

  const lookup = async (request: string) => {
    const exact = await store.getFile(request);
    if (exact) return exact;
    const match = /^(.*\/resolve\/)[^/]+\/(.+)$/.exec(request);
    const model = match?.[1] ? pinned.get(match[1]) : undefined;
    return model && match?.[2] ? store.getFile(fileUrl(model.host, model, match[2])) : undefined;
  };

  return {
    async match(request) {
      if (packagedBase && request.startsWith(packagedBase)) {
        return servePackaged(request, packagedBase, packagedSizes, fetchFn);
      }
      const file = await lookup(request);
      if (!file?.verified) return undefined;
      return sizedResponse(streamBlobs(await store.readBlobs(file.url)), file.received);
    },
    async put() {},
    pin(host, model) {
      pinned.set(`${host}${model.repo}/resolve/`, { host, repo: model.repo, revision: model.revision });
    },
    packaged(base) {
      if (base !== packagedBase) sizes = undefined;
      packagedBase = base;
    },
  };
}
