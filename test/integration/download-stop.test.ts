import 'fake-indexeddb/auto';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { TEST_DECODER_DIR } from '../../scripts/test-models';
import { createEngine } from '../../src/engine/engine';
import { createModelFiles } from '../../src/engine/files';
import { fileUrl } from '../../src/engine/files/hub-files';
import { createModelFileStore } from '../../src/engine/files/model-file-store';
import { createVerifiedCache } from '../../src/engine/files/verified-cache';
import { TEST_TINY_LLAMA } from '../../src/engine/registry';
import type { ModelSpec } from '../../src/model';
import { createTestBackend } from '../support/engine';
import { createStandInHub, serveHub } from '../support/stand-in-hub';

/*
 * Stop during a first-use download, through the engine and the real backend: the engine aborts its load,
 * the downloader's read of the HTTP body ends (the server sees the connection closed mid-body), nothing
 * partial is marked usable, and the next request resumes with a Range from the bytes stored.
 */

const WEIGHTS = 'onnx/model_quantized.onnx';
const remoteModel: ModelSpec = {
  ...TEST_TINY_LLAMA,
  id: 'stopped-tiny-llama',
  repo: 'test-org/tiny-llama',
  revision: 'abc123',
  bundled: false,
  downloadBytes: 1,
};
const hub = createStandInHub(remoteModel.repo, TEST_DECODER_DIR);
let server: Awaited<ReturnType<typeof serveHub>>;
const store = createModelFileStore('download-stop-test');

beforeAll(async () => {
  server = await serveHub(hub);
});

afterAll(async () => {
  store.close();
  await server.close();
});

const generate = { maxNewTokens: 3, signal: new AbortController().signal };

test('Stop mid-body ends the read, marks nothing usable, and the next request resumes from the stored bytes', async () => {
  const files = createModelFiles({ store, host: server.host, chunkBytes: 16 * 1024 });
  const engine = createEngine(createTestBackend(files), remoteModel);
  const size = hub.bytes(WEIGHTS).length;
  const held = hub.holdNextAt(WEIGHTS, Math.floor(size / 2));
  const closed = vi.fn();
  void held.closed.then(closed);

  const stop = new AbortController();
  const task = vi.fn(async () => 'ran');
  const run = engine.run(task, { signal: stop.signal });
  await held.reached;
  const url = fileUrl(server.host, remoteModel, WEIGHTS);
  // Some of the body is stored (in 16 KB chunks) before the Stop.
  await expect
    .poll(async () => (await store.getFile(url))?.received ?? 0, { timeout: 20_000 })
    .toBeGreaterThan(0);
  let outcome: unknown;
  run.then(
    () => (outcome = 'ran'),
    (error: { code?: string }) => (outcome = error.code),
  );
  stop.abort();
  // The request ends within the bound, not when the download would have.
  await expect.poll(() => outcome, { timeout: 20_000 }).toBe('cancelled');
  // The body's read stops for real: the hub sees the connection closed before the rest was sent.
  await expect.poll(() => closed.mock.calls.length, { timeout: 20_000 }).toBe(1);
  await expect
    .poll(async () => (await engine.status()).availability, { timeout: 20_000 })
    .toBe('downloadable');
  expect(task).not.toHaveBeenCalled();

  const partial = await store.getFile(url);
  expect(partial?.verified).toBe(false);
  expect(partial?.received).toBeGreaterThan(0);
  expect(partial?.received).toBeLessThanOrEqual(held.sentUpTo());
  expect(await files.downloader.isReady(remoteModel.id)).toBe(false);
  expect(await createVerifiedCache(store).match(url)).toBeUndefined();

  hub.requests.length = 0;
  const answer = await engine.run(
    (session) => session.generate([{ role: 'user', content: 'Hi' }], generate),
    {
      signal: new AbortController().signal,
    },
  );
  expect(answer.newTokens).toBeGreaterThan(0);
  expect(hub.requests.filter((r) => r.path === WEIGHTS).map((r) => r.range)).toEqual([
    `bytes=${partial?.received}-`,
  ]);
  expect(await store.getFile(url)).toMatchObject({ verified: true, received: size });
});

test('a body that stalls has what it brought written, though no chunk is full, and a stop there loses none', async () => {
  // The default 4 MB chunks: the whole test file fits in one, so only the stall can write part of it.
  const stallStore = createModelFileStore('download-stall-test');
  const files = createModelFiles({ store: stallStore, host: server.host });
  const url = fileUrl(server.host, remoteModel, WEIGHTS);
  const held = hub.holdNextAt(WEIGHTS, Math.floor(hub.bytes(WEIGHTS).length / 3));
  const stop = new AbortController();
  const download = files.downloader.ensure(remoteModel, { signal: stop.signal });
  download.catch(() => {});
  await held.reached;
  await expect
    .poll(async () => (await stallStore.getFile(url))?.received, { timeout: 20_000 })
    .toBe(held.sentUpTo());
  expect((await stallStore.getFile(url))?.verified).toBe(false);
  stop.abort();
  await expect(download).rejects.toMatchObject({ code: 'cancelled' });
  hub.requests.length = 0;
  await files.downloader.ensure(remoteModel);
  expect(hub.requests.filter((r) => r.path === WEIGHTS).map((r) => r.range)).toEqual([
    `bytes=${held.sentUpTo()}-`,
  ]);
  stallStore.close();
});
