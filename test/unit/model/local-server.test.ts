import { fakeBrowser } from '@webext-core/fake-browser';
import { describe, expect, test } from 'vitest';
import { createSettingsWriter } from '../../../src/handlers/settings-writer';
import { type LocalServer, normalizeServerUrl } from '../../../src/model';
import { loadSettings } from '../../../src/settings';

describe('normalizeServerUrl: servers on this computer only', () => {
  test.each([
    ['http://127.0.0.1:11434', 'http://127.0.0.1:11434'],
    [' http://localhost:1234/ ', 'http://localhost:1234'],
    ['http://[::1]:8080/v1', 'http://[::1]:8080'],
    ['http://127.0.0.1', 'http://127.0.0.1:80'],
  ])('%s is %s', (input, url) => {
    expect(normalizeServerUrl(input)).toBe(url);
  });

  test.each([
    'http://192.168.1.20:11434',
    'http://gpu-box:8000',
    'https://127.0.0.1:11434',
    'http://127.0.0.1.example.com:11434',
    'http://user:pass@127.0.0.1:11434',
    'http://127.0.0.1:11434/api?x=1',
    'http://127.0.0.1:11434/other',
    'ftp://127.0.0.1:21',
    'not a url',
  ])('%s is refused', (input) => {
    expect(normalizeServerUrl(input)).toBeNull();
  });
});

const server: LocalServer = {
  url: 'http://127.0.0.1:11434',
  api: 'ollama',
  models: ['qwen3:8b', 'llama3.2:3b'],
  model: 'qwen3:8b',
  contextTokens: 40_960,
};

describe('the connected server in the settings', () => {
  test('is kept by the one writer beside concurrent changes', async () => {
    const writer = createSettingsWriter();
    await Promise.all([writer.setLocalServer(server), writer.update({ serverContextTokens: 8192 })]);
    expect(await loadSettings()).toMatchObject({ localServer: server, serverContextTokens: 8192 });
  });

  test.each([
    ['a remote URL', { ...server, url: 'http://10.0.0.2:11434' }],
    ['an unknown API', { ...server, api: 'grpc' }],
    ['no model list', { ...server, models: 'qwen3:8b' }],
  ])('with %s reads as none, and the rest stays', async (_name, stored) => {
    await fakeBrowser.storage.local.set({ settings: { localServer: stored, summaryLength: 'brief' } });
    expect(await loadSettings()).toMatchObject({ localServer: null, summaryLength: 'brief' });
  });
});
