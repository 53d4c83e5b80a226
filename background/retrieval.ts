import type { ClearEpoch } from '../src/chat/clear-epoch';
import { loadTransformersEmbedder } from '../src/engine/backends/transformers-embedder';
import type { ModelFiles } from '../src/engine/backends/transformers-files';
import { createLazyEmbedder } from '../src/engine/embedder';
import { defaultEmbedder } from '../src/engine/registry';
import { createPageIndexStore } from '../src/retrieval/page-index';
import { createRetriever } from '../src/retrieval/retriever';

/** The chat's retriever: the embedding model loads on the first long page, and page vectors persist. */
export function createPageRetriever(
  buildMode: string,
  localModelPath: string,
  files: ModelFiles,
  clearEpoch: ClearEpoch,
) {
  const embedder = createLazyEmbedder((onProgress, signal) =>
    loadTransformersEmbedder(
      defaultEmbedder(buildMode),
      { device: 'wasm', localModelPath, files },
      onProgress,
      signal,
    ),
  );
  const store = createPageIndexStore({ clearEpoch });
  const retriever = createRetriever({ embedder: embedder.get, store });
  return { retrieve: retriever.retrieve, pages: store };
}
