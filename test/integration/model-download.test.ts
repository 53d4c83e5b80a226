import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { TEST_MODELS_DIR } from '../../scripts/test-models';
import { createEngine } from '../../src/engine/engine';
import { type ModelSpec, TEST_TINY_LLAMA } from '../../src/engine/registry';
import type { DownloadProgress } from '../../src/protocol';
import { createTestBackend } from '../support/engine';

/*
 * The download path, for real: a local server stands in for the Hugging Face hub (same URL layout), so
 * the engine downloads the generated model with progress, and a second load is served from the cache.
 * (In Node transformers.js caches on disk; the browser uses the Cache API through the same code path.)
 */

const remoteModel: ModelSpec = {
  ...TEST_TINY_LLAMA,
  repo: 'test-org/tiny-llama',
  bundled: false,
  downloadBytes: 1,
};
let server: Server;
const requests: string[] = [];
/** While set, the server drops every connection, as a network that has gone away would. */
let offline = false;
let cacheDir: string;
const saved = { remoteHost: env.remoteHost, cacheDir: env.cacheDir };

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    if (offline) {
      request.socket.destroy();
      return;
    }
    const match = /^\/test-org\/(?:tiny|flaky)-llama\/resolve\/main\/(.+)$/.exec(request.url ?? '');
    const file = match?.[1] && join(TEST_MODELS_DIR, TEST_TINY_LLAMA.repo, decodeURIComponent(match[1]));
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
      session.generate([{ role: 'user', content: 'Hello' }], {
        maxNewTokens: 3,
        signal: new AbortController().signal,
      }),
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

test('a failed download says what happened, and trying again works once the network is back', async () => {
  const engine = createEngine(createTestBackend(), { ...remoteModel, repo: 'test-org/flaky-llama' });
  offline = true;
  const error = await ask(engine).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'model-download' });
  expect((error as Error).message).toMatch(/Couldn’t download the model .* try again/);
  offline = false;
  await expect(ask(engine)).resolves.toMatchObject({ newTokens: 3 });
  await engine.dispose();
});
