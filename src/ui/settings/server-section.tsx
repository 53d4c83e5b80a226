import { useEffect, useMemo } from 'preact/hooks';
import { t } from '../../i18n';
import { SERVER_PRESETS } from '../../model';
import {
  createServerSettingsClient,
  createServerSettingsStore,
  type ServerSettingsStore,
} from './server-store';

function statusText(store: ServerSettingsStore): string {
  const server = store.server.value;
  switch (store.state.value) {
    case 'connecting':
      return t('server_connecting', store.url.value);
    case 'error':
      return store.error.value ?? t('server_connect_failed');
    case 'connected':
      if (!server) return t('server_connected');
      if (server.model) return t('server_connected_using', server.url, server.model);
      return server.models.length
        ? t('server_connected_pick', server.url, server.models.length)
        : t('server_connected_empty', server.url);
    default:
      return t('server_not_connected');
  }
}

/** A model server on this computer: its URL, key, Connect, and the model to use. */
export function ServerSection({ store: given }: { store?: ServerSettingsStore }) {
  const store = useMemo(() => given ?? createServerSettingsStore(createServerSettingsClient()), [given]);
  useEffect(() => store.init(), [store]);
  const server = store.server.value;
  const state = store.state.value;
  const preset = SERVER_PRESETS.find((entry) => entry.url === store.url.value)?.id ?? '';

  return (
    <section class="settings-section" aria-labelledby="server-heading">
      <h2 id="server-heading">{t('settings_server_heading')}</h2>
      <p class="settings-section__intro">{t('settings_server_intro')}</p>
      <form
        class="server-form"
        onSubmit={(event) => {
          event.preventDefault();
          void store.connect();
        }}
      >
        <label class="settings-field">
          <span>{t('server_label_server')}</span>
          <select
            data-testid="server-preset"
            value={preset}
            onChange={(event) => {
              const chosen = SERVER_PRESETS.find((entry) => entry.id === event.currentTarget.value);
              if (chosen) store.setUrl(chosen.url);
            }}
          >
            {SERVER_PRESETS.map((entry) => (
              <option key={entry.id} value={entry.id}>
                {entry.name}
              </option>
            ))}
            {preset === '' && <option value="">{t('server_other')}</option>}
          </select>
        </label>
        <label class="settings-field">
          <span>{t('server_label_url')}</span>
          <input
            data-testid="server-url"
            type="url"
            required
            value={store.url.value}
            onInput={(event) => store.setUrl(event.currentTarget.value)}
          />
        </label>
        <label class="settings-field">
          <span>{t('server_label_key')}</span>
          <input
            data-testid="server-key"
            type="password"
            autocomplete="off"
            placeholder={t(server ? 'server_key_unchanged' : 'server_key_none')}
            value={store.key.value}
            onInput={(event) => store.setKey(event.currentTarget.value)}
          />
        </label>
        <button type="submit" class="button" data-testid="server-connect" disabled={state === 'connecting'}>
          {t('server_connect')}
        </button>
        {server && (
          <button
            type="button"
            class="button"
            data-testid="server-disconnect"
            onClick={() => void store.disconnect()}
          >
            {t('server_disconnect')}
          </button>
        )}
      </form>
      <p
        class={`server-status${state === 'error' ? ' note note--error' : ''}`}
        data-testid="server-status"
        data-state={state}
        role={state === 'error' ? 'alert' : 'status'}
      >
        {statusText(store)}
      </p>
      {server && server.models.length > 0 && (
        <label class="settings-field">
          <span>{t('server_label_model')}</span>
          <select
            data-testid="server-model"
            value={server.model ?? ''}
            onChange={(event) => void store.chooseModel(event.currentTarget.value)}
          >
            {!server.model && <option value="">{t('server_pick_model')}</option>}
            {server.models.map((model) => (
              <option key={model} value={model}>
                {model}
              </option>
            ))}
          </select>
        </label>
      )}
      {server && server.contextTokens === null && (
        <label class="settings-field">
          <span>{t('server_label_context')}</span>
          <input
            data-testid="server-context"
            type="number"
            min={512}
            step={512}
            value={store.contextTokens.value ?? ''}
            onChange={(event) => {
              const tokens = Number(event.currentTarget.value);
              if (Number.isInteger(tokens) && tokens >= 512) void store.setContextTokens(tokens);
            }}
          />
        </label>
      )}
    </section>
  );
}
