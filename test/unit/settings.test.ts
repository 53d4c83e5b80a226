import { fakeBrowser } from '@webext-core/fake-browser';
import { describe, expect, test, vi } from 'vitest';
import { createTieredEngine } from '../../src/engine/engine';
import { TEST_TINY_LLAMA } from '../../src/engine/registry';
import type { Backend, Session } from '../../src/engine/types';
import { createSettingsWriter } from '../../src/handlers/settings-writer';
import {
  type ImportedModel,
  loadSettings,
  readSettings,
  type SettingsChange,
  watchEngineSettings,
} from '../../src/settings';

const importedSpec: ImportedModel = {
  id: 'imported-my-model',
  name: 'My model',
  repo: 'imported/my-model',
  revision: 'local',
  dtype: 'q8',
  contextSize: 1024,
  maxPromptTokens: 1024,
  maxChatPromptTokens: 1024,
  downloadBytes: 1_000,
  bundled: false,
  imported: true,
  tiers: ['wasm'],
  languages: 'Unknown',
  license: 'Unknown',
} as const;
const secondSpec = {
  ...importedSpec,
  id: 'imported-second',
  name: 'Second',
  repo: 'imported/second',
} as const;

test('defaults: automatic engine, standard length, the page’s language, nothing imported', async () => {
  expect(await loadSettings()).toEqual({
    engine: 'auto',
    models: {},
    summaryLength: 'standard',
    answerLanguage: 'page',
    localServer: null,
    serverContextTokens: 4096,
    importedModels: [],
  });
});

test('the summary length saved before settings existed is kept', async () => {
  await fakeBrowser.storage.local.set({ summaryLength: 'brief' });
  expect((await loadSettings()).summaryLength).toBe('brief');
  await createSettingsWriter().update({ answerLanguage: 'browser' });
  expect(await fakeBrowser.storage.local.get(null)).toEqual({
    settings: expect.objectContaining({ summaryLength: 'brief', answerLanguage: 'browser' }),
  });
});

describe('a malformed imported entry', () => {
  test('is dropped alone: the others are offered, and Settings can name it', async () => {
    await fakeBrowser.storage.local.set({
      settings: { importedModels: [importedSpec, { ...secondSpec, repo: '../../etc' }, 'junk'] },
    });
    expect((await loadSettings()).importedModels).toEqual([importedSpec]);
    const { unreadable } = await readSettings();
    expect(unreadable.map(({ label, id }) => ({ label, id }))).toEqual([
      { label: 'Second', id: 'imported-second' },
      { label: 'entry 3', id: null },
    ]);
    expect(unreadable[0]?.reason).toContain('repo');
  });

  test('is not written away by the next change, nor are the good ones', async () => {
    const stored = [{ ...secondSpec, repo: '../../etc' }, importedSpec];
    await fakeBrowser.storage.local.set({ settings: { importedModels: stored } });
    await createSettingsWriter().update({ summaryLength: 'brief' });
    const { settings } = await fakeBrowser.storage.local.get('settings');
    expect((settings as { importedModels: unknown[] }).importedModels).toEqual(
      expect.arrayContaining(stored),
    );
    expect((await loadSettings()).importedModels).toEqual([importedSpec]);
  });
});

describe('the one settings writer', () => {
  test('changes sent at once all survive', async () => {
    const writer = createSettingsWriter();
    await Promise.all([
      writer.update({ summaryLength: 'brief' }),
      writer.update({ answerLanguage: 'browser' }),
      writer.addImportedModel(importedSpec),
      writer.addImportedModel(secondSpec),
      writer.update({ engine: 'wasm' }),
    ]);
    expect(await loadSettings()).toEqual({
      engine: 'wasm',
      models: {},
      summaryLength: 'brief',
      answerLanguage: 'browser',
      localServer: null,
      serverContextTokens: 4096,
      importedModels: [importedSpec, secondSpec],
    });
  });

  test('model picks for different tiers, sent at once from two tabs, both stay', async () => {
    const writer = createSettingsWriter();
    await Promise.all([writer.update({ models: { wasm: 'a' } }), writer.update({ models: { webgpu: 'b' } })]);
    expect((await loadSettings()).models).toEqual({ wasm: 'a', webgpu: 'b' });
  });

  test('a removal drops the entry and its picks, and a failed write does not stop the next', async () => {
    const writer = createSettingsWriter();
    await writer.addImportedModel(importedSpec);
    await writer.update({ models: { wasm: importedSpec.id, webgpu: 'other' } });
    await expect(writer.addImportedModel(importedSpec)).rejects.toMatchObject({ code: 'invalid-message' });
    await writer.removeImportedModel(importedSpec.id);
    expect(await loadSettings()).toMatchObject({ importedModels: [], models: { webgpu: 'other' } });
  });
});

describe('what reloads the model', () => {
  function countingEngine() {
    const session: Session = {
      model: TEST_TINY_LLAMA,
      countTokens: (text) => text.length,
      countPromptTokens: () => 1,
      generate: async () => ({
        text: 'ok',
        promptTokens: 1,
        reusedTokens: 0,
        newTokens: 1,
        timeToFirstTokenMs: 1,
        tokensPerSecond: 1,
      }),
      dispose: vi.fn(async () => {}),
    };
    const backend: Backend = {
      id: 'transformers-node',
      availability: async () => 'available',
      load: vi.fn(async () => session),
    };
    const engine = createTieredEngine({
      pick: async () => ({ tier: 'wasm', backend, model: TEST_TINY_LLAMA }),
    });
    // As background/engine.ts wires it.
    watchEngineSettings(() => engine.reconfigure());
    const request = () => engine.run(async () => 'done', { signal: new AbortController().signal });
    return { backend, session, request };
  }

  test.each<[string, SettingsChange, boolean]>([
    ['a summary length', { summaryLength: 'brief' }, false],
    ['an answer language', { answerLanguage: 'browser' }, false],
    ['the engine', { engine: 'webgpu' }, true],
    ['a model pick', { models: { wasm: 'smollm2-360m-instruct' } }, true],
  ])('a change of %s: reload %s', async (_, change, reloads) => {
    const writer = createSettingsWriter();
    const { backend, session, request } = countingEngine();
    await request();
    await writer.update(change);
    await request();
    expect(backend.load).toHaveBeenCalledTimes(reloads ? 2 : 1);
    expect(session.dispose).toHaveBeenCalledTimes(reloads ? 1 : 0);
  });

  test('an import nobody uses yet leaves the model; a change to a picked import reloads it', async () => {
    const writer = createSettingsWriter();
    const { backend, request } = countingEngine();
    await request();
    await writer.addImportedModel(importedSpec);
    await request();
    expect(backend.load).toHaveBeenCalledTimes(1);
    await writer.update({ models: { wasm: importedSpec.id } });
    await request();
    expect(backend.load).toHaveBeenCalledTimes(2);
    await writer.removeImportedModel(importedSpec.id);
    await request();
    expect(backend.load).toHaveBeenCalledTimes(3);
  });
});
