import { fakeBrowser } from '@webext-core/fake-browser';
import { expect, test } from 'vitest';
import { loadSettings, updateSettings } from '../../src/settings';

const importedSpec = {
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
};

test('defaults: automatic engine, standard length, the page’s language, nothing imported', async () => {
  expect(await loadSettings()).toEqual({
    engine: 'auto',
    models: {},
    summaryLength: 'standard',
    answerLanguage: 'page',
    importedModels: [],
  });
});

test('the summary length saved before settings existed is kept', async () => {
  await fakeBrowser.storage.local.set({ summaryLength: 'brief' });
  expect((await loadSettings()).summaryLength).toBe('brief');
  await updateSettings({ answerLanguage: 'browser' });
  expect(await fakeBrowser.storage.local.get(null)).toEqual({
    settings: expect.objectContaining({ summaryLength: 'brief', answerLanguage: 'browser' }),
  });
});

test('imported specs are read back as stored, and a malformed one never reaches the worker', async () => {
  await updateSettings({ importedModels: [importedSpec as never] });
  expect((await loadSettings()).importedModels).toEqual([importedSpec]);
  await fakeBrowser.storage.local.set({
    settings: { importedModels: [{ ...importedSpec, repo: '../../etc' }] },
  });
  expect((await loadSettings()).importedModels).toEqual([]);
});
