import { describe, expect, test, vi } from 'vitest';
import { AppError } from '../../../src/errors';
import { engineName } from '../../../src/i18n';
import type { LocalServer } from '../../../src/model';
import type { Settings } from '../../../src/settings';
import { doneText } from '../../../src/ui/model-status';
import { createServerSettingsStore, type ServerSettingsClient } from '../../../src/ui/settings/server-store';

const connected: LocalServer = {
  url: 'http://127.0.0.1:1234',
  api: 'openai',
  models: ['qwen3-8b', 'gemma-3-4b'],
  model: null,
  contextTokens: null,
};

function fakeClient(stored: LocalServer | null = null) {
  let onChange: (settings: Settings) => void = () => {};
  const settings = (localServer: LocalServer | null): Settings => ({
    engine: 'auto',
    models: {},
    summaryLength: 'standard',
    answerLanguage: 'page',
    localServer,
    serverContextTokens: 4096,
    importedModels: [],
  });
  return {
    connectServer: vi.fn<ServerSettingsClient['connectServer']>(async () => connected),
    chooseServerModel: vi.fn<ServerSettingsClient['chooseServerModel']>(async ({ model }) => ({
      ...connected,
      model,
    })),
    disconnectServer: vi.fn<ServerSettingsClient['disconnectServer']>(async () => undefined),
    updateSettings: vi.fn<ServerSettingsClient['updateSettings']>(async () => settings(stored)),
    loadSettings: async () => settings(stored),
    watchSettings: (listener: (next: Settings) => void) => {
      onChange = listener;
      return () => {};
    },
    changeElsewhere: (server: LocalServer | null) => onChange(settings(server)),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the Local server settings', () => {
  test('start off at Ollama’s URL, and ask the worker nothing until Connect', async () => {
    const client = fakeClient();
    const store = createServerSettingsStore(client);
    store.init();
    await settle();
    expect(store.state.value).toBe('off');
    expect(store.url.value).toBe('http://127.0.0.1:11434');
    expect(client.connectServer).not.toHaveBeenCalled();
  });

  test('a stored server shows as connected, with its URL, and still sends nothing', async () => {
    const client = fakeClient({ ...connected, model: 'qwen3-8b' });
    const store = createServerSettingsStore(client);
    store.init();
    await settle();
    expect(store.state.value).toBe('connected');
    expect(store.url.value).toBe(connected.url);
    expect(client.connectServer).not.toHaveBeenCalled();
  });

  test('Connect: an error is shown as such; then a success lists the models, and the key field empties', async () => {
    const client = fakeClient();
    client.connectServer.mockRejectedValueOnce(
      new AppError('local-server', 'Nothing answers at http://127.0.0.1:1234. Is LM Studio running?'),
    );
    const store = createServerSettingsStore(client);
    store.init();
    await settle();
    store.setUrl('http://127.0.0.1:1234');
    store.setKey('secret');
    const connecting = store.connect();
    expect(store.state.value).toBe('connecting');
    await connecting;
    expect(store.state.value).toBe('error');
    expect(store.error.value).toBe('Nothing answers at http://127.0.0.1:1234. Is LM Studio running?');
    // A settings change elsewhere does not hide the error of the user's own Connect.
    client.changeElsewhere(null);
    expect(store.state.value).toBe('error');

    await store.connect();
    expect(client.connectServer).toHaveBeenLastCalledWith({ url: 'http://127.0.0.1:1234', key: 'secret' });
    expect(store.state.value).toBe('connected');
    expect(store.server.value?.models).toEqual(['qwen3-8b', 'gemma-3-4b']);
    expect(store.key.value).toBe('');
    await store.chooseModel('gemma-3-4b');
    expect(store.server.value?.model).toBe('gemma-3-4b');
  });
});

test('the status line names the server’s model', () => {
  expect(doneText({ name: engineName('local-server', 'qwen3:8b') })).toBe('Done · Local server (qwen3:8b)');
  expect(engineName('wasm', 'Qwen2.5 0.5B')).toBe('WASM');
});
