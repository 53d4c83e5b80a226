import 'fake-indexeddb/auto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { TEST_DECODER_DIR } from '../../scripts/test-models';
import { createEngine } from '../../src/engine/engine';
import { createModelFiles } from '../../src/engine/files';
import { createModelFileStore } from '../../src/engine/files/model-file-store';
import { TEST_TINY_LLAMA } from '../../src/engine/registry';
import type { ModelSpec } from '../../src/model';
import type { DownloadProgress } from '../../src/protocol';
import { createTestBackend } from '../support/engine';
import { createStandInHub, serveHub } from '../support/stand-in-hub';

/*
 * The download path, for real: a local server stands in for the Hugging Face hub (same URL layout, Range
 * requests, the tree API), the downloader stores and verifies the generated model, and transformers.js
 * loads it from the verified store; a second load uses no network.
 */

const remoteModel: ModelSpec = {
  ...TEST_TINY_LLAMA,
  id: 'remote-tiny-llama',
  repo: 'test-org/tiny-llama',
  revision: 'abc123',
  bundled: false,
  downloadBytes: 1,
};
const hub = createStandInHub(remoteModel.repo, TEST_DECODER_DIR);
let server: Awaited<ReturnType<typeof serveHub>>;
/** While set, every fetch fails, as with the network gone. */
let offline = false;
const store = createModelFileStore('model-download-test');
const guardedFetch: typeof fetch = (input, init) =>
  offline ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init);

beforeAll(async () => {
  server = await serveHub(hub);
});

afterAll(async () => {
  store.close();
  await server.close();
});

const backend = () => createTestBackend(createModelFiles({ store, host: server.host, fetch: guardedFetch }));

const ask = (engine: ReturnType<typeof createEngine>, onProgress?: (p: DownloadProgress) => void) =>
  engine.run(
    (session) =>
      session.generate([{ role: 'user', content: 'Hello' }], {
        maxNewTokens: 3,
        signal: new AbortController().signal,
      }),
    { signal: new AbortController().signal, onProgress },
  );

test('a failed download says what happened, and trying again works once the network is back', async () => {
  const engine = createEngine(backend(), remoteModel);
  offline = true;
  const error = await ask(engine).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'model-download' });
  expect((error as Error).message).toMatch(/Couldn’t reach Hugging Face .* Check your connection/);
  offline = false;
  await expect(ask(engine)).resolves.toMatchObject({ newTokens: 3 });
  await engine.dispose();
});

test('the first load downloads with progress; a second load uses no network', async () => {
  await store.deleteModel(remoteModel.id);
  hub.requests.length = 0;
  const first = createEngine(backend(), remoteModel);
  expect((await first.status()).availability).toBe('downloadable');
  const progress: DownloadProgress[] = [];
  await ask(first, (p) => progress.push(p));
  await first.dispose();
  expect(hub.requests.some((r) => r.path === 'onnx/model_quantized.onnx')).toBe(true);
  const last = progress.findLast((p) => p.bytesPerSecond !== undefined);
  expect(last?.files.some((f) => f.name.endsWith('.onnx'))).toBe(true);
  expect(last?.loaded).toBe(last?.total);
  expect(last?.total).toBeGreaterThan(0);

  hub.requests.length = 0;
  offline = true;
  const second = createEngine(backend(), remoteModel);
  expect((await second.status()).availability).toBe('available');
  const result = await ask(second);
  await second.dispose();
  offline = false;
  expect(result.newTokens).toBe(3);
  expect(hub.requests).toEqual([]);
});
