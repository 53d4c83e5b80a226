import { useEffect, useMemo } from 'preact/hooks';
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
      return `Connecting to ${store.url.value}…`;
    case 'error':
      return store.error.value ?? 'Could not connect.';
    case 'connected':
      if (!server) return 'Connected.';
      if (server.model) return `Connected to ${server.url}: using ${server.model}.`;
      return server.models.length
        ? `Connected to ${server.url}: pick one of its ${server.models.length} models.`
        : `Connected to ${server.url}, but it has no models. Add one to the server, then connect again.`;
    default:
      return 'Not connected. Nothing is sent to any server until you press Connect.';
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
      <h2 id="server-heading">Local server</h2>
      <p class="settings-section__intro">
        Use a bigger model served on this computer by Ollama, LM Studio, llama.cpp or vLLM. Pages and
        questions go to that server only; for a server on another machine, forward a local port to it.
      </p>
      <form
        class="server-form"
        onSubmit={(event) => {
          event.preventDefault();
          void store.connect();
        }}
      >
        <label class="settings-field">
          <span>Server</span>
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
            {preset === '' && <option value="">Other</option>}
          </select>
        </label>
        <label class="settings-field">
          <span>URL</span>
          <input
            data-testid="server-url"
            type="url"
            required
            value={store.url.value}
            onInput={(event) => store.setUrl(event.currentTarget.value)}
          />
        </label>
        <label class="settings-field">
          <span>API key (optional)</span>
          <input
            data-testid="server-key"
            type="password"
            autocomplete="off"
            placeholder={server ? 'Unchanged' : 'None'}
            value={store.key.value}
            onInput={(event) => store.setKey(event.currentTarget.value)}
          />
        </label>
        <button type="submit" class="button" data-testid="server-connect" disabled={state === 'connecting'}>
          Connect
        </button>
        {server && (
          <button
            type="button"
            class="button"
            data-testid="server-disconnect"
            onClick={() => void store.disconnect()}
          >
            Disconnect
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
          <span>Model</span>
          <select
            data-testid="server-model"
            value={server.model ?? ''}
            onChange={(event) => void store.chooseModel(event.currentTarget.value)}
          >
            {!server.model && <option value="">Pick a model</option>}
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
          <span>Context (tokens; this server does not say)</span>
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
