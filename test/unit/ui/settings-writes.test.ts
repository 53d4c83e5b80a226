import 'fake-indexeddb/auto';
import { afterEach, expect, test, vi } from 'vitest';
import { createModelFiles } from '../../../src/engine/files';
import { createModelFileStore } from '../../../src/engine/files/model-file-store';
import { SMOLLM2_360M } from '../../../src/engine/registry';
import { createModelsHandler } from '../../../src/handlers/models';
import { loadSettings } from '../../../src/settings';
import { createEngineSettingsClient } from '../../../src/ui/settings/engine-store';
import { createBrowserSettingsClient } from '../../../src/ui/settings/settings-client';
import { createSummaryClient, createSummaryStore } from '../../../src/ui/summary-store';
import { serveSettingsRequests } from '../support/settings-worker';

/*
 * Settings are written from three contexts (the popup's length, the settings page, the worker's delete).
 * Each page's real client is driven here as its page drives it, against the worker's settings requests.
 */

afterEach(() => {
  vi.unstubAllGlobals();
});

const json = (value: unknown) => new Blob([JSON.stringify(value)]);

/** A model folder whose weights arrive only when `release` is called: an import of hundreds of MB, paused. */
function slowFolder() {
  let release = () => {};
  const arrived = new Promise<void>((resolve) => {
    release = resolve;
  });
  const file = (path: string, blob: Blob) => ({ path, size: blob.size, stream: () => blob.stream() });
  const weights = new Uint8Array(64);
  const files = [
    file('config.json', json({ model_type: 'qwen2', max_position_embeddings: 4096 })),
    file('tokenizer.json', json({})),
    file('tokenizer_config.json', json({})),
    {
      path: 'onnx/model_quantized.onnx',
      size: weights.byteLength,
      stream: () =>
        new ReadableStream<Uint8Array>({
          async start(controller) {
            await arrived;
            controller.enqueue(weights);
            controller.close();
          },
        }),
    },
  ];
  return { files, release };
}

test('the popup’s length and the settings page’s changes, made at once, all survive', async () => {
  serveSettingsRequests();
  const settingsPage = createBrowserSettingsClient();
  const popup = createSummaryStore(createSummaryClient());
  await Promise.all([
    popup.setLength('brief'),
    settingsPage.updateSettings({ answerLanguage: 'browser' }),
    createEngineSettingsClient().setPreference('wasm'),
  ]);
  expect(await loadSettings()).toMatchObject({
    summaryLength: 'brief',
    answerLanguage: 'browser',
    engine: 'wasm',
  });
});

test('a model deleted while another is imported stays deleted; both imports are listed', async () => {
  vi.stubGlobal('navigator', { storage: { estimate: async () => ({ usage: 0, quota: 1e12 }) } });
  const writer = serveSettingsRequests();
  const files = createModelFiles({
    store: createModelFileStore(),
    fetch: () => Promise.reject(new Error('no network in unit tests')),
  });
  const models = createModelsHandler({
    files,
    engine: { reconfigure: () => {}, status: async () => ({}) as never },
    buildMode: 'production',
    settings: writer,
  });
  const old = {
    ...SMOLLM2_360M,
    id: 'imported-old',
    name: 'Old',
    repo: 'imported/old',
    revision: 'local' as const,
    imported: true as const,
    bundled: false as const,
    tiers: [...SMOLLM2_360M.tiers],
  };
  await writer.addImportedModel(old);
  const page = createBrowserSettingsClient();

  const first = slowFolder();
  const second = slowFolder();
  const importing = [
    page.importModel('first', first.files, () => {}),
    page.importModel('second', second.files, () => {}),
  ];
  // While both copy, the user deletes the older import in another settings tab.
  await vi.waitFor(async () =>
    expect(await createModelFileStore().filesOfModel('imported-first')).not.toEqual([]),
  );
  await models.deleteModel({ id: old.id });
  first.release();
  second.release();
  const specs = await Promise.all(importing);

  expect(specs.map((spec) => spec.id)).toEqual(['imported-first', 'imported-second']);
  expect((await loadSettings()).importedModels.map((model) => model.id)).toEqual([
    'imported-first',
    'imported-second',
  ]);
});
