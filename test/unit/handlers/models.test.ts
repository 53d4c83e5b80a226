import 'fake-indexeddb/auto';
import { fakeBrowser } from '@webext-core/fake-browser';
import { describe, expect, test, vi } from 'vitest';
import { createModelFiles } from '../../../src/engine/files';
import { createModelFileStore } from '../../../src/engine/files/model-file-store';
import { QWEN25_05B, QWEN25_15B, SMOLLM2_360M } from '../../../src/engine/registry';
import { createModelsHandler } from '../../../src/handlers/models';
import { createSettingsWriter } from '../../../src/handlers/settings-writer';
import { loadSettings } from '../../../src/settings';

let dbCount = 0;
const imported = {
  ...SMOLLM2_360M,
  id: 'imported-mine',
  name: 'Mine',
  repo: 'imported/mine',
  revision: 'local' as const,
  imported: true as const,
  bundled: false as const,
  tiers: ['wasm' as const, 'wasm-threads' as const],
};

function setup(downloading: string | null = null) {
  const store = createModelFileStore(`models-handler-${++dbCount}`);
  const files = createModelFiles({
    store,
    fetch: () => Promise.reject(new Error('no network in unit tests')),
  });
  const engine = {
    reconfigure: () => {},
    status: async () => ({
      modelId: downloading === QWEN25_05B.id ? QWEN25_05B.id : SMOLLM2_360M.id,
      modelName: 'x',
      availability: downloading ? ('downloading' as const) : ('downloadable' as const),
      downloadBytes: 1,
      engine: { tier: 'wasm' as const, name: 'WASM', modelName: 'x' },
    }),
  };
  const settings = createSettingsWriter();
  return {
    store,
    settings,
    handler: createModelsHandler({ files, engine, buildMode: 'production', settings }),
  };
}

describe('the models Settings lists', () => {
  test('every curated model once, with its facts, what is stored, and where it is in use', async () => {
    const { store, handler } = setup(QWEN25_05B.id);
    // Half of SmolLM's weights are here (a download that stopped).
    await store.resetFile({
      url: 'u',
      modelId: SMOLLM2_360M.id,
      path: 'onnx/model_q4.onnx',
      expected: { size: 10 },
    });
    await store.appendChunk('u', new Uint8Array(5));
    const { models } = await handler.listModels();
    expect(models.map((m) => m.id)).toEqual(
      expect.arrayContaining([QWEN25_05B.id, SMOLLM2_360M.id, QWEN25_15B.id]),
    );
    expect(new Set(models.map((m) => m.id)).size).toBe(models.length);
    expect(models.find((m) => m.id === QWEN25_05B.id)).toMatchObject({
      state: 'downloading',
      activeOn: ['wasm-threads', 'wasm'],
      languages: QWEN25_05B.languages,
      license: 'Apache-2.0',
    });
    expect(models.find((m) => m.id === SMOLLM2_360M.id)).toMatchObject({
      state: 'downloadable',
      storedBytes: 5,
    });
    expect(models.find((m) => m.id === QWEN25_15B.id)?.activeOn).toEqual(['webgpu']);
  });

  test('a pick moves “in use”; an imported model is listed, and deleting it drops it and its pick', async () => {
    const { handler, settings } = setup();
    await settings.addImportedModel(imported);
    await settings.update({ models: { wasm: imported.id, webgpu: QWEN25_15B.id } });
    const listed = (await handler.listModels()).models.find((m) => m.id === imported.id);
    expect(listed).toMatchObject({ imported: true, activeOn: ['wasm'] });
    await handler.deleteModel({ id: imported.id });
    expect((await handler.listModels()).models.some((m) => m.id === imported.id)).toBe(false);
    expect(await loadSettings()).toMatchObject({ importedModels: [], models: { webgpu: QWEN25_15B.id } });
  });

  test('deleting a downloaded model frees its files; unknown ids are refused', async () => {
    const { store, handler } = setup();
    await store.resetFile({
      url: 'w',
      modelId: QWEN25_05B.id,
      path: 'onnx/model_quantized.onnx',
      expected: { size: 3 },
    });
    await store.appendChunk('w', new Uint8Array(3));
    await handler.deleteModel({ id: QWEN25_05B.id });
    expect(await store.filesOfModel(QWEN25_05B.id)).toEqual([]);
    await expect(handler.deleteModel({ id: 'no-such-model' })).rejects.toMatchObject({
      code: 'invalid-message',
    });
  });

  test('an unreadable imported entry is named, warned about, kept, and can be deleted with its files', async () => {
    const { store, handler } = setup();
    const broken = { ...imported, id: 'imported-broken', name: 'Broken', dtype: 'q3' };
    await fakeBrowser.storage.local.set({ settings: { importedModels: [broken, imported] } });
    await store.resetFile({ url: 'b', modelId: broken.id, path: 'config.json', expected: { size: 1 } });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const list = await handler.listModels();
    expect(list.models.some((m) => m.id === imported.id)).toBe(true);
    expect(list.unreadable).toEqual([
      { label: 'Broken', id: broken.id, reason: expect.stringContaining('dtype') },
    ]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('Broken'));
    await handler.deleteModel({ id: broken.id });
    expect((await handler.listModels()).unreadable).toEqual([]);
    expect(await store.filesOfModel(broken.id)).toEqual([]);
    expect((await loadSettings()).importedModels).toEqual([imported]);
  });
});
