import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createEngine } from '../../src/engine/engine';
import { type ModelSpec, TEST_TINY_LLAMA } from '../../src/engine/registry';
import type { DownloadProgress } from '../../src/protocol';
import { createTestBackend, TEST_MODELS_PATH } from '../support/engine';

/*
 * The download path, for real: a local server stands in for the Hugging Face hub (same URL layout), so
 * the engine downloads the generated model with progress, and a second load is served from the cache.
 * (In Node transformers.js caches on disk; the browser uses the Cache API through the same code path.)
 */

const remoteModel: ModelSpec = { ...TEST_TINY_LLAMA, repo: 'test-org/tiny-llama', bundled: false, downloadBytes: 1 };
let server: Server;
const requests: string[] = [];
let cacheDir: string;
const saved = { remoteHost: env.remoteHost, cacheDir: env.cacheDir };

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const match = /^\/test-org\/tiny-llama\/resolve\/main\/(.+)$/.exec(request.url ?? '');
    const file = match?.[1] && join(TEST_MODELS_PATH, TEST_TINY_LLAMA.repo, decodeURIComponent(match[1]));
    if (!file || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-length': statSync(file).size });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cacheDir = mkdtempSync(join(tmpdir(), 'pagewise-cache-'));
  env.remoteHost = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  env.cacheDir = cacheDir;
});

afterAll(async () => {
  Object.assign(env, saved);
  await new Promise((resolve) => server.close(resolve));
  rmSync(cacheDir, { recursive: true, force: true });
});

const ask = (engine: ReturnType<typeof createEngine>, onProgress?: (p: DownloadProgress) => void) =>
  engine.run(
    (session) =>
      session.generate([{ role: 'user', content: 'Hello' }], { maxNewTokens: 3, signal: new AbortController().signal }),
    { signal: new AbortController().signal, onProgress },
  );

test('the first load downloads with progress; a second load uses no network', async () => {
  const first = createEngine(createTestBackend(), remoteModel);
  const progress: DownloadProgress[] = [];
  await ask(first, (p) => progress.push(p));
  await first.dispose();
  const downloads = requests.filter((url) => url.includes('/onnx/'));
  expect(downloads.length).toBeGreaterThan(0);
  const last = progress.at(-1);
  expect(last?.files.some((f) => f.name.endsWith('.onnx'))).toBe(true);
  expect(last?.loaded).toBe(last?.total);
  expect(last?.total).toBeGreaterThan(0);

  requests.length = 0;
  const second = createEngine(createTestBackend(), remoteModel);
  const result = await ask(second);
  await second.dispose();
  expect(result.newTokens).toBe(3);
  expect(requests).toEqual([]);
});

test('a failed download says what happened, and a retry can succeed', async () => {
  const missing: ModelSpec = { ...remoteModel, repo: 'test-org/not-there' };
  const engine = createEngine(createTestBackend(), missing);
  await expect(ask(engine)).rejects.toMatchObject({ code: 'model-download' });
  // The failure is not remembered: the next request tries to load again.
  requests.length = 0;
  await expect(ask(engine)).rejects.toMatchObject({ code: 'model-download' });
  expect(requests.length).toBeGreaterThan(0);
});
