import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { createModelFileStore } from '../../../../src/engine/files/model-file-store';
import { createVerifiedCache, PACKAGED_SIZES_FILE } from '../../../../src/engine/files/verified-cache';

const BASE = 'chrome-extension://abc/models/';
const WEIGHTS = `${BASE}org/tiny/onnx/model_quantized.onnx`;
const weights = new Uint8Array(3_000).map((_, i) => i % 251);

/** The packaged folder as the extension serves it: files with no `content-length`, and the build's sizes. */
const packagedFetch: typeof fetch = async (input) => {
  const url = String(input);
  if (url === `${BASE}${PACKAGED_SIZES_FILE}`) {
    return Response.json({ 'org/tiny/onnx/model_quantized.onnx': weights.byteLength });
  }
  if (url === WEIGHTS) return new Response(new Blob([weights]).stream());
  return new Response(null, { status: 404 });
};

test('a packaged file is served with its size from sizes.json, so transformers.js reads it in one buffer', async () => {
  const cache = createVerifiedCache(createModelFileStore('cache-packaged'), packagedFetch);
  cache.packaged(BASE);
  const response = await cache.match(WEIGHTS);
  expect(response?.headers.get('content-length')).toBe(String(weights.byteLength));
  expect(new Uint8Array(await (response as Response).arrayBuffer())).toEqual(weights);
  // A file the build did not package is a miss, which transformers.js takes as an absent optional file.
  expect(await cache.match(`${BASE}org/tiny/generation_config.json`)).toBeUndefined();
});

test('a stored file is streamed chunk by chunk with its length; an unverified one is never served', async () => {
  const store = createModelFileStore('cache-stored');
  const url = 'https://huggingface.co/org/tiny/resolve/abc/onnx/model_quantized.onnx';
  await store.resetFile({
    url,
    modelId: 'tiny',
    path: 'onnx/model_quantized.onnx',
    expected: { size: 3_000 },
  });
  for (let start = 0; start < weights.byteLength; start += 1_000) {
    await store.appendChunk(url, weights.slice(start, start + 1_000));
  }
  const cache = createVerifiedCache(store, packagedFetch);
  expect(await cache.match(url)).toBeUndefined();
  await store.setVerified(url, true);
  const response = (await cache.match(url)) as Response;
  expect(response.headers.get('content-length')).toBe('3000');
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const pieces: number[] = [];
  for (let read = await reader.read(); !read.done; read = await reader.read())
    pieces.push(read.value.byteLength);
  expect(pieces).toEqual([1_000, 1_000, 1_000]);
  store.close();
});
