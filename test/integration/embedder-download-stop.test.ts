import 'fake-indexeddb/auto';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { TEST_ENCODER_DIR, TEST_MODELS_DIR } from '../../scripts/test-models';
import { loadTransformersEmbedder } from '../../src/engine/backends/transformers-embedder';
import { createLazyEmbedder } from '../../src/engine/embedder';
import { createModelFiles } from '../../src/engine/files';
import { fileUrl } from '../../src/engine/files/hub-files';
import { createModelFileStore } from '../../src/engine/files/model-file-store';
import { type EmbedderSpec, TEST_TINY_BERT } from '../../src/engine/registry';
import { createStandInHub, serveHub } from '../support/stand-in-hub';

/*
 * Stop during the embedding model's first download (a chat's first long page), through the lazy embedder,
 * the real loader and the real downloader: the chat stops at once, the hub sees the body's connection
 * closed, nothing partial is usable, and the next question resumes with a Range from the bytes stored.
 */

const WEIGHTS = 'onnx/model_quantized.onnx';
const remoteEncoder: EmbedderSpec = {
  ...TEST_TINY_BERT,
  id: 'stopped-tiny-bert',
  repo: 'test-org/tiny-bert',
  revision: 'abc123',
  bundled: false,
  downloadBytes: 1,
};
const hub = createStandInHub(remoteEncoder.repo, TEST_ENCODER_DIR);
let server: Awaited<ReturnType<typeof serveHub>>;
const store = createModelFileStore('embedder-download-stop-test');

beforeAll(async () => {
  server = await serveHub(hub);
});

afterAll(async () => {
  store.close();
  await server.close();
});

test('Stop mid-download of the embedder ends the call and the transfer; the next call resumes from the stored bytes', async () => {
  const files = createModelFiles({ store, host: server.host, chunkBytes: 16 * 1024 });
  const lazy = createLazyEmbedder((onProgress, signal) =>
    loadTransformersEmbedder(
      remoteEncoder,
      { device: 'cpu', localModelPath: TEST_MODELS_DIR, files },
      onProgress,
      signal,
    ),
  );
  const size = hub.bytes(WEIGHTS).length;
  const held = hub.holdNextAt(WEIGHTS, Math.floor(size / 2));
  const closed = vi.fn();
  void held.closed.then(closed);

  const stop = new AbortController();
  const first = lazy.get(undefined, stop.signal);
  first.catch(() => {});
  await held.reached;
  const url = fileUrl(server.host, remoteEncoder, WEIGHTS);
  await expect
    .poll(async () => (await store.getFile(url))?.received ?? 0, { timeout: 20_000 })
    .toBeGreaterThan(0);
  stop.abort();
  await expect(first).rejects.toMatchObject({ code: 'cancelled' });
  await expect.poll(() => closed.mock.calls.length, { timeout: 20_000 }).toBe(1);
  const partial = await store.getFile(url);
  expect(partial?.verified).toBe(false);
  expect(partial?.received).toBeLessThanOrEqual(held.sentUpTo());
  expect(await files.downloader.isReady(remoteEncoder.id)).toBe(false);

  hub.requests.length = 0;
  const embedder = await lazy.get(undefined, new AbortController().signal);
  const [vector] = await embedder.embed(
    ['The lamp room at the top.'],
    'passage',
    new AbortController().signal,
  );
  expect(vector?.length).toBe(remoteEncoder.dims);
  expect(hub.requests.filter((r) => r.path === WEIGHTS).map((r) => r.range)).toEqual([
    `bytes=${partial?.received}-`,
  ]);
  expect(await store.getFile(url)).toMatchObject({ verified: true, received: size });
  await lazy.dispose();
});
