import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import * as fc from 'fast-check';
import { openDB } from 'idb';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { TEST_DECODER_DIR } from '../../scripts/test-models';
import { createCheckedFiles } from '../../src/engine/files/checked-files';
import { createDownloader } from '../../src/engine/files/downloader';
import { fileUrl, type HubModelRef } from '../../src/engine/files/hub-files';
import { createModelFileStore, type ModelFileStore } from '../../src/engine/files/model-file-store';
import { createVerifiedCache } from '../../src/engine/files/verified-cache';
import type { DownloadProgress } from '../../src/protocol';
import { createStandInHub, serveHub } from '../support/stand-in-hub';

/*
 * The downloader for real, against a real HTTP server standing in for the hub (Range requests, the tree
 * API with SHA-256), with fake-indexeddb for the store: cut connections, stopped workers, damaged files,
 * wrong bytes from the server, no room, a refused write.
 */

const REPO = 'test-org/tiny-llama';
const WEIGHTS = 'onnx/model_quantized.onnx';
const model: HubModelRef = {
  id: 'test-download',
  name: 'Test model',
  repo: REPO,
  revision: 'abc123',
  dtype: 'q8',
};
const hub = createStandInHub(REPO, TEST_DECODER_DIR);
let server: Awaited<ReturnType<typeof serveHub>>;
let dbCount = 0;
const stores: ModelFileStore[] = [];

beforeAll(async () => {
  server = await serveHub(hub);
});
afterAll(async () => {
  for (const store of stores) store.close();
  await server.close();
});
beforeEach(() => {
  hub.requests.length = 0;
});

const freshStore = () => {
  const store = createModelFileStore(`models-${++dbCount}`);
  stores.push(store);
  return { store, dbName: `models-${dbCount}` };
};
const downloaderFor = (store: ModelFileStore, extra: Partial<Parameters<typeof createDownloader>[0]> = {}) =>
  createDownloader({ store, host: server.host, chunkBytes: 64 * 1024, ...extra });

const readAll = async (store: ModelFileStore, url: string) => {
  const parts: Uint8Array[] = [];
  for await (const chunk of store.readChunks(url)) parts.push(chunk);
  return Buffer.concat(parts);
};
const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const weightsUrl = () => fileUrl(server.host, model, WEIGHTS);
const weightsSize = hub.bytes(WEIGHTS).length;

/** No stored file is marked verified unless its bytes are exactly the hub's; the cache serves no other. */
async function expectNoCorruptEntry(store: ModelFileStore) {
  const cache = createVerifiedCache(store);
  let corrupt = 0;
  for (const file of await store.allFiles()) {
    const served = await cache.match(file.url);
    if (file.verified) {
      if (sha(await readAll(store, file.url)) !== sha(hub.bytes(file.path))) corrupt++;
    } else if (served !== undefined) corrupt++;
    if (served && sha(new Uint8Array(await served.arrayBuffer())) !== sha(hub.bytes(file.path))) corrupt++;
  }
  return corrupt;
}

const figures = { cuts: 0, completions: 0, corrupt: 0, resumedAtCut: 0 };

test('a download cut at 50 random offsets always resumes with a Range and ends verified', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: weightsSize - 1 }), async (offset) => {
      hub.requests.length = 0;
      const { store } = freshStore();
      hub.cutNextAt(WEIGHTS, offset);
      figures.cuts++;
      await downloaderFor(store).ensure(model);
      const file = await store.getFile(weightsUrl());
      expect(file?.verified).toBe(true);
      expect(sha(await readAll(store, weightsUrl()))).toBe(sha(hub.bytes(WEIGHTS)));
      figures.completions++;
      const corrupt = await expectNoCorruptEntry(store);
      figures.corrupt += corrupt;
      expect(corrupt).toBe(0);
      // The second request continues from the bytes the first one got: nothing is fetched twice.
      const fetches = hub.requests.filter((r) => r.path === WEIGHTS);
      expect(fetches).toHaveLength(2);
      expect(fetches[0]?.range).toBeNull();
      const resumedAt = Number(/^bytes=(\d+)-$/.exec(fetches[1]?.range ?? '')?.[1]);
      expect(resumedAt).toBeGreaterThan(0);
      expect(resumedAt).toBeLessThanOrEqual(offset);
      if (resumedAt === offset) figures.resumedAtCut++;
    }),
    { numRuns: 50, seed: 20261201 },
  );
  console.info(`cut downloads: ${JSON.stringify(figures)}`);
  expect(figures).toMatchObject({ cuts: 50, completions: 50, corrupt: 0 });
});

test('a worker stopped mid-download leaves only counted bytes, and the next worker resumes from them', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: weightsSize - 1 }), async (offset) => {
      hub.requests.length = 0;
      const { store } = freshStore();
      const stop = new AbortController();
      // A clock that moves 250 ms a read, so that every read reports progress (they are throttled).
      let clock = 0;
      const first = downloaderFor(store, { now: () => (clock += 250) }).ensure(model, {
        signal: stop.signal,
        onProgress: (p) => {
          const weights = p.files.find((f) => f.name === WEIGHTS);
          if ((weights?.loaded ?? 0) >= offset) stop.abort();
        },
      });
      await expect(first).rejects.toMatchObject({ code: 'cancelled' });
      const partial = await store.getFile(weightsUrl());
      expect(partial?.verified).toBe(false);
      // The record counts exactly the bytes stored, and they are the file's first bytes.
      const stored = await readAll(store, weightsUrl());
      expect(stored.length).toBe(partial?.received);
      expect(stored.equals(hub.bytes(WEIGHTS).subarray(0, stored.length))).toBe(true);
      expect(await createVerifiedCache(store).match(weightsUrl())).toBeUndefined();

      hub.requests.length = 0;
      await downloaderFor(store).ensure(model);
      expect(await store.getFile(weightsUrl())).toMatchObject({ verified: true, received: weightsSize });
      const fetches = hub.requests.filter((r) => r.path === WEIGHTS);
      const expected =
        stored.length === 0 ? [null] : stored.length < weightsSize ? [`bytes=${stored.length}-`] : [];
      expect(fetches.map((r) => r.range)).toEqual(expected);
      expect(await expectNoCorruptEntry(store)).toBe(0);
    }),
    { numRuns: 10, seed: 7 },
  );
});

/** A browser session's `storage.session`, shared by the workers started in it. */
const sessionArea = () => {
  const items = new Map<string, unknown>();
  return {
    get: async (key: string) => (items.has(key) ? { [key]: items.get(key) } : {}),
    set: async (values: Record<string, unknown>) => {
      for (const [key, value] of Object.entries(values)) items.set(key, value);
    },
    remove: async (keys: string | string[]) => {
      for (const key of [keys].flat()) items.delete(key);
    },
  };
};

/** Flips one byte in the middle of the stored weights, behind the store's back. */
const damageWeights = async (dbName: string) => {
  const db = await openDB(dbName);
  const key = [weightsUrl(), 3];
  const chunk = (await db.get('chunks', key)) as { data: Blob };
  const bytes = new Uint8Array(await chunk.data.arrayBuffer());
  bytes[100] = (bytes[100] ?? 0) ^ 0xff;
  await db.put('chunks', { ...chunk, data: new Blob([bytes]) });
  db.close();
};

test('a stored file is hashed once per browser session: a new worker trusts it, a new session checks it', async () => {
  const { store } = freshStore();
  const session = sessionArea();
  const hashed: number[] = [];
  // Counts the bytes read back to be hashed: the store is read for nothing else during `ensure`.
  const counting = (): ModelFileStore => ({
    ...store,
    readChunks(url) {
      hashed.push(0);
      return store.readChunks(url);
    },
  });
  await downloaderFor(counting(), { checked: createCheckedFiles(session) }).ensure(model);
  const filesOfModel = (await store.filesOfModel(model.id)).length;
  expect(hashed.length).toBe(filesOfModel);
  hub.requests.length = 0;

  // The worker stops and starts again, in the same browser session: nothing is hashed.
  hashed.length = 0;
  await downloaderFor(counting(), { checked: createCheckedFiles(session) }).ensure(model);
  expect(hashed).toEqual([]);

  // A new browser session: every file is hashed once more.
  await downloaderFor(counting(), { checked: createCheckedFiles(sessionArea()) }).ensure(model);
  expect(hashed.length).toBe(filesOfModel);
  expect(hub.requests).toEqual([]);
});

test('a stored file corrupted on purpose is caught by its hash in a new browser session, and fetched again', async () => {
  const { store, dbName } = freshStore();
  await downloaderFor(store, { checked: createCheckedFiles(sessionArea()) }).ensure(model);
  expect(await store.getFile(weightsUrl())).toMatchObject({ verified: true });
  await damageWeights(dbName);

  hub.requests.length = 0;
  await downloaderFor(store, { checked: createCheckedFiles(sessionArea()) }).ensure(model);
  expect(hub.requests.filter((r) => r.path === WEIGHTS).map((r) => r.range)).toEqual([null]);
  expect(sha(await readAll(store, weightsUrl()))).toBe(sha(hub.bytes(WEIGHTS)));
  expect(await expectNoCorruptEntry(store)).toBe(0);
});

test('after a failed load, `recheck` hashes files checked in this session again and fetches a damaged one', async () => {
  const { store, dbName } = freshStore();
  const session = sessionArea();
  await downloaderFor(store, { checked: createCheckedFiles(session) }).ensure(model);
  await damageWeights(dbName);

  hub.requests.length = 0;
  // Same session: trusted, not fetched (the load would then fail, and ask for a recheck).
  await downloaderFor(store, { checked: createCheckedFiles(session) }).ensure(model);
  expect(hub.requests).toEqual([]);
  await downloaderFor(store, { checked: createCheckedFiles(session) }).ensure(model, { recheck: true });
  expect(hub.requests.filter((r) => r.path === WEIGHTS).map((r) => r.range)).toEqual([null]);
  expect(sha(await readAll(store, weightsUrl()))).toBe(sha(hub.bytes(WEIGHTS)));
});

test('bytes that do not match the hub’s hash are never marked usable, and the user is told', async () => {
  const { store } = freshStore();
  const tampering: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (!String(input).endsWith(WEIGHTS)) return response;
    const data = new Uint8Array(await response.arrayBuffer());
    data[10] = (data[10] ?? 0) ^ 1;
    return new Response(data, { status: response.status, headers: response.headers });
  };
  const error = await downloaderFor(store, { fetch: tampering })
    .ensure(model)
    .catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'model-download' });
  expect((error as Error).message).toMatch(/did not match its checksum/);
  expect((await store.getFile(weightsUrl()))?.verified).toBe(false);
  expect(await createVerifiedCache(store).match(weightsUrl())).toBeUndefined();
  // Fetched twice: once, then again after the mismatch, before giving up.
  expect(hub.requests.filter((r) => r.path === WEIGHTS)).toHaveLength(2);
});

test('a server that ignores the Range starts the file again from zero, and it still verifies', async () => {
  const { store } = freshStore();
  const noRanges: typeof fetch = (input, init) => {
    const headers = { ...(init?.headers as Record<string, string>) };
    delete headers.range;
    return fetch(input, { ...init, headers });
  };
  hub.cutNextAt(WEIGHTS, 200_000);
  await downloaderFor(store, { fetch: noRanges }).ensure(model);
  expect(sha(await readAll(store, weightsUrl()))).toBe(sha(hub.bytes(WEIGHTS)));
});

test('not enough room: the download does not start, and the message gives the figures', async () => {
  const { store } = freshStore();
  const error = await downloaderFor(store, { estimate: async () => ({ usage: 900_000, quota: 1_000_000 }) })
    .ensure({ ...model, name: 'Qwen test' })
    .catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'disk-full' });
  expect((error as Error).message).toMatch(
    /Not enough disk space to download Qwen test: it needs 1 MB more and 0 MB are free/,
  );
  expect(hub.requests).toEqual([]);
});

test('a write refused for quota is the disk-full error, not a generic failure', async () => {
  const { store } = freshStore();
  const full: ModelFileStore = {
    ...store,
    appendChunk: async () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    },
  };
  const error = await downloaderFor(full)
    .ensure(model)
    .catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'disk-full' });
  expect((error as Error).message).toMatch(/Your disk is full/);
});

test('progress reports MB done and total, speed and time left', async () => {
  const { store } = freshStore();
  let clock = 0;
  const progress: DownloadProgress[] = [];
  await downloaderFor(store, { now: () => (clock += 50), chunkBytes: 16 * 1024 }).ensure(model, {
    onProgress: (p) => progress.push(p),
  });
  const last = progress.at(-1);
  expect(last?.loaded).toBe(last?.total);
  expect(last?.total).toBeGreaterThan(weightsSize);
  expect(progress.some((p) => (p.bytesPerSecond ?? 0) > 0 && typeof p.secondsLeft === 'number')).toBe(true);
});

test('offline with nothing stored: a download error that says to check the connection', async () => {
  const { store } = freshStore();
  const offline: typeof fetch = async () => {
    throw new TypeError('fetch failed');
  };
  const error = await downloaderFor(store, { fetch: offline })
    .ensure(model)
    .catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'model-download' });
  expect((error as Error).message).toMatch(/Check your connection/);
});
