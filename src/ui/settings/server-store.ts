import { type ReadonlySignal, signal } from '@preact/signals';
import { errorText } from '../../errors';
import { DEFAULT_SERVER_URL, type LocalServer } from '../../model';
import { createWorkerClient, type WorkerClientPart } from '../../protocol';
import { loadSettings, type Settings, watchSettings } from '../../settings';

/** What the Local server section needs (fakes in unit tests). */
export interface ServerSettingsClient
  extends WorkerClientPart<'connectServer' | 'chooseServerModel' | 'disconnectServer' | 'updateSettings'> {
  loadSettings(): Promise<Settings>;
  watchSettings(onChange: (settings: Settings) => void): () => void;
}

export function createServerSettingsClient(): ServerSettingsClient {
  return { ...createWorkerClient(), loadSettings: () => loadSettings(), watchSettings };
}

/** `off`: none connected; `connecting`: Connect pressed; `connected`; `error`: the last Connect failed. */
export type ServerState = 'off' | 'connecting' | 'connected' | 'error';

export interface ServerSettingsStore {
  readonly url: ReadonlySignal<string>;
  readonly key: ReadonlySignal<string>;
  readonly state: ReadonlySignal<ServerState>;
  readonly server: ReadonlySignal<LocalServer | null>;
  readonly error: ReadonlySignal<string | null>;
  readonly contextTokens: ReadonlySignal<number | null>;
  setUrl(url: string): void;
  setKey(key: string): void;
  /** Reads the stored server (sending nothing to it); returns the teardown. */
  init(): () => void;
  /** The first request to the server: lists its models. */
  connect(): Promise<void>;
  chooseModel(model: string): Promise<void>;
  disconnect(): Promise<void>;
  setContextTokens(tokens: number): Promise<void>;
}

export function createServerSettingsStore(client: ServerSettingsClient): ServerSettingsStore {
  const url = signal<string>(DEFAULT_SERVER_URL);
  const key = signal('');
  const state = signal<ServerState>('off');
  const server = signal<LocalServer | null>(null);
  const error = signal<string | null>(null);
  const contextTokens = signal<number | null>(null);
  let edited = false;

  const show = (settings: Settings) => {
    server.value = settings.localServer;
    contextTokens.value = settings.serverContextTokens;
    if (settings.localServer && !edited) url.value = settings.localServer.url;
    if (state.value !== 'connecting' && state.value !== 'error') {
      state.value = settings.localServer ? 'connected' : 'off';
    }
  };
  const fail = (thrown: unknown) => {
    error.value = errorText(thrown);
    state.value = 'error';
  };

  return {
    url,
    key,
    state,
    server,
    error,
    contextTokens,
    setUrl(value) {
      edited = true;
      url.value = value;
    },
    setKey(value) {
      key.value = value;
    },
    init() {
      void client.loadSettings().then(show, fail);
      return client.watchSettings(show);
    },
    async connect() {
      state.value = 'connecting';
      error.value = null;
      try {
        server.value = await client.connectServer({ url: url.value, key: key.value });
        url.value = server.value.url;
        key.value = '';
        state.value = 'connected';
      } catch (thrown) {
        fail(thrown);
      }
    },
    async chooseModel(model) {
      error.value = null;
      try {
        server.value = await client.chooseServerModel({ model });
        state.value = 'connected';
      } catch (thrown) {
        fail(thrown);
      }
    },
    async disconnect() {
      try {
        await client.disconnectServer({});
        server.value = null;
        error.value = null;
        state.value = 'off';
      } catch (thrown) {
        fail(thrown);
      }
    },
    async setContextTokens(tokens) {
      try {
        await client.updateSettings({ serverContextTokens: tokens });
      } catch (thrown) {
        fail(thrown);
      }
    },
  };
}
