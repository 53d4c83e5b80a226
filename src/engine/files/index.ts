import type { ModelFiles } from '../backends/transformers-files';
import { createDownloader, type DownloaderOptions } from './downloader';
import { createModelFileStore } from './model-file-store';
import { createVerifiedCache } from './verified-cache';

/**
 * The extension's model files: the IndexedDB store and the downloader over it, which checks room with
 * `navigator.storage.estimate()` before a download.
 */
export function createModelFiles(options: Partial<DownloaderOptions> = {}): ModelFiles {
  const store = options.store ?? createModelFileStore();
  const estimate =
    typeof navigator !== 'undefined' && navigator.storage?.estimate
      ? () => navigator.storage.estimate()
      : undefined;
  return {
    store,
    downloader: createDownloader({ estimate, ...options, store }),
    cache: createVerifiedCache(store),
  };
}
