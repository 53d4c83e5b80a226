import {
  listServerModels,
  saveServerKey,
  serverConnection,
  serverContextTokens,
  setOriginRule,
} from '../engine/backends/local-server';
import type { Engine } from '../engine/engine';
import { AppError, localMessage } from '../errors';
import { type LocalServer, normalizeServerUrl, SERVER_URL_RULE } from '../model';
import { loadSettings } from '../settings';
import type { SettingsWriter } from './settings-writer';

export interface LocalServerHandlers {
  /**
   * Connect in Settings: the first request to any server. Sets the Origin rule for this URL, keeps the key
   * for it (empty: the one saved for the same URL, if any), lists the models and keeps the pick when the
   * server still has it (or takes its only model).
   */
  connectServer(request: { url: string; key: string }): Promise<LocalServer>;
  /** Picks one of the listed models, with its context length where the server tells it. */
  chooseServerModel(request: { model: string }): Promise<LocalServer>;
  /** Forgets the server, its key and the Origin rule. */
  disconnectServer(): Promise<void>;
}

export function createLocalServerHandlers({
  settings,
  engine,
}: {
  settings: SettingsWriter;
  engine: Pick<Engine, 'forgetFailure'>;
}): LocalServerHandlers {
  return {
    async connectServer(request) {
      const url = normalizeServerUrl(request.url);
      if (!url) throw new AppError('invalid-message', SERVER_URL_RULE);
      const before = (await loadSettings()).localServer;
      // A key given for another URL is never sent to this one.
      const saved = await serverConnection(url);
      const key = request.key || saved.key;
      await saveServerKey(url, key);
      await setOriginRule(url);
      const connection = { url, key };
      const { api, models } = await listServerModels(connection);
      const kept = before?.url === url && before.model && models.includes(before.model) ? before.model : null;
      const model = kept ?? (models.length === 1 ? (models[0] ?? null) : null);
      const contextTokens = model ? await serverContextTokens(connection, api, model) : null;
      const server: LocalServer = { url, api, models: models.slice(0, 500), model, contextTokens };
      await settings.setLocalServer(server);
      // It answered: a failure earlier in this worker's life no longer holds.
      engine.forgetFailure('local-server');
      return server;
    },

    async chooseServerModel({ model }) {
      const server = (await loadSettings()).localServer;
      if (!server) throw new AppError('invalid-message', localMessage('error_server_connect_first'));
      if (!server.models.includes(model)) {
        throw new AppError('invalid-message', localMessage('error_server_not_listed', model));
      }
      const contextTokens = await serverContextTokens(await serverConnection(server.url), server.api, model);
      const chosen: LocalServer = { ...server, model, contextTokens };
      await settings.setLocalServer(chosen);
      engine.forgetFailure('local-server');
      return chosen;
    },

    async disconnectServer() {
      const { localServer, engine: preference } = await loadSettings();
      await settings.setLocalServer(null);
      if (preference === 'local-server') await settings.update({ engine: 'auto' });
      if (localServer) await saveServerKey(localServer.url, '');
      await setOriginRule(null);
    },
  };
}
