import 'fake-indexeddb/auto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, test } from 'vitest';
import { TEST_DECODER_DIR } from '../../scripts/test-models';
import { createEngine } from '../../src/engine/engine';
import { createModelFiles } from '../../src/engine/files';
import { checkModelFolder, type PickedFile, storeImportedModel } from '../../src/engine/files/import-model';
import { createModelFileStore } from '../../src/engine/files/model-file-store';
import { createTestBackend } from '../support/engine';

/*
 * A model brought from the user's disk: the generated test model's folder is checked, copied into the model
 * store, and the real engine then runs it from there, with no network (every fetch fails).
 */

const HOST = 'https://huggingface.co/';

function folder(dir: string, skip: (path: string) => boolean = () => false): PickedFile[] {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
    );
  return walk(dir)
    .map((file) => ({ file, path: relative(dir, file) }))
    .filter(({ path }) => !path.startsWith('.') && !skip(path))
    .map(({ file, path }) => ({
      path,
      size: statSync(file).size,
      stream: () => new Blob([readFileSync(file)]).stream(),
    }));
}

test('the generated model is imported, listed with its facts, and runs offline from the store', async () => {
  const started = performance.now();
  const checked = await checkModelFolder('tiny-llama', folder(TEST_DECODER_DIR));
  expect(checked.spec).toMatchObject({
    id: 'imported-tiny-llama',
    repo: 'imported/tiny-llama',
    dtype: 'q8',
    imported: true,
    tiers: ['wasm', 'wasm-threads'],
  });
  // Only what loading needs: the q8 weights, not the fp32 twin.
  expect(checked.files.map((f) => f.path).sort()).toEqual([
    'config.json',
    'generation_config.json',
    'onnx/model_quantized.onnx',
    'tokenizer.json',
    'tokenizer_config.json',
  ]);
  const store = createModelFileStore('import-test');
  await storeImportedModel(checked, { store, host: HOST });
  const stored = performance.now();

  const offline: typeof fetch = () => Promise.reject(new TypeError('offline'));
  const files = createModelFiles({ store, host: HOST, fetch: offline });
  const engine = createEngine(createTestBackend(files), checked.spec);
  expect((await engine.status()).availability).toBe('available');
  const result = await engine.run(
    (session) =>
      session.generate([{ role: 'user', content: 'Hello' }], {
        maxNewTokens: 4,
        signal: new AbortController().signal,
      }),
    { signal: new AbortController().signal },
  );
  expect(result.newTokens).toBe(4);
  await engine.dispose();
  console.info(
    `import: checked and stored in ${Math.round(stored - started)} ms, first answer after ${Math.round(performance.now() - stored)} ms`,
  );

  // Deleted, it is gone: the next load says to import it again instead of reaching for the network.
  await store.deleteModel(checked.spec.id);
  expect(await store.filesOfModel(checked.spec.id)).toEqual([]);
  const again = createEngine(createTestBackend(files), checked.spec);
  await expect(again.run(async () => 0, { signal: new AbortController().signal })).rejects.toMatchObject({
    code: 'model-load',
    message: expect.stringMatching(/Import the model again/),
  });
  store.close();
});

test.each([
  ['no tokenizer', (p: string) => p === 'tokenizer.json', /lacks tokenizer\.json/],
  [
    'no ONNX file',
    (p: string) => p.startsWith('onnx/'),
    /lacks an onnx\/ folder with one of onnx\/model_quantized\.onnx/,
  ],
  ['no config', (p: string) => p === 'config.json', /lacks config\.json/],
])('a folder with %s is refused, naming what is missing', async (_, skip, message) => {
  await expect(checkModelFolder('broken', folder(TEST_DECODER_DIR, skip))).rejects.toMatchObject({
    code: 'model-import',
    message: expect.stringMatching(message),
  });
});

test('a model type transformers.js cannot generate with is refused by name', async () => {
  const files = folder(TEST_DECODER_DIR).map((file) =>
    file.path === 'config.json'
      ? { ...file, stream: () => new Blob([JSON.stringify({ model_type: 'bert' })]).stream() }
      : file,
  );
  await expect(checkModelFolder('bert', files)).rejects.toMatchObject({
    code: 'model-import',
    message: expect.stringMatching(/model_type "bert", which is not a text-generation model/),
  });
});

test('an ONNX file of an unknown dtype is named as unsupported', async () => {
  const files = folder(TEST_DECODER_DIR, (p) => p.startsWith('onnx/')).concat({
    path: 'onnx/model_bnb4.onnx',
    size: 3,
    stream: () => new Blob(['abc']).stream(),
  });
  await expect(checkModelFolder('odd', files)).rejects.toMatchObject({
    message: expect.stringMatching(/the folder has onnx\/model_bnb4\.onnx/),
  });
});
