import { AppError, asAppError, cancelled, localMessage } from '../../../errors';
import { t, uiLocale } from '../../../i18n';
import type { LocalServer, TierReport } from '../../../model';
import type { Backend, TierBackend } from '../../types';
import { serverConnection } from './connection';
import { listServerModels } from './server-api';
import { createLocalServerSession, serverModelSpec } from './session';

// A model server on this computer (Ollama, LM Studio, llama.cpp's llama-server, vLLM) as an engine tier.
// The folder: `server-api.ts` (HTTP, the two APIs, failures in words), `stream-parsers.ts` (SSE, NDJSON),
// `session.ts` (budgets, streaming), `connection.ts` (the key, bound to its URL, and the Origin rule).

export { ORIGIN_RULE_ID, saveServerKey, serverConnection, setOriginRule } from './connection';
export { listServerModels, serverContextTokens } from './server-api';
export { createLocalServerSession, SERVER_ANSWER_TOKENS, serverModelSpec } from './session';
export { createNdjsonParser, createSseParser } from './stream-parsers';

export interface LocalServerTierOptions {
  /** The connected server (null: none), and the context to assume when the server does not say. */
  settings(): Promise<{ server: LocalServer | null; contextTokens: number }>;
  /** Whether the user picked this tier by hand: then its failure is shown, not answered by another tier. */
  picked(): Promise<boolean>;
}

type Connected = LocalServer & { model: string };

const isConnected = (server: LocalServer | null): server is Connected => server?.model != null;

/** The `local-server` tier. Nothing is sent to any server before the user connects one in Settings. */
export function createLocalServerTier(options: LocalServerTierOptions): TierBackend {
  const connected = async () => {
    const { server, contextTokens } = await options.settings();
    if (!isConnected(server)) return null;
    return { server, spec: serverModelSpec(server, server.contextTokens ?? contextTokens) };
  };

  const backend: Backend = {
    id: 'local-server',
    availability: async () => ((await connected()) ? 'available' : 'unavailable'),
    async load(_model, _onProgress, signal) {
      const found = await connected();
      if (!found) throw new AppError('local-server', localMessage('error_server_none'));
      const { server, spec } = found;
      const connection = await serverConnection(server.url);
      try {
        // The cheap check that the server runs and still has the model, before any page is sent to it.
        const { models } = await listServerModels(connection);
        if (signal?.aborted) throw cancelled();
        if (!models.includes(server.model)) {
          throw new AppError(
            'local-server',
            localMessage('error_server_model_gone', server.url, server.model),
          );
        }
      } catch (error) {
        const failure = asAppError(error);
        // Automatic moves on to the next tier (with a note); a tier picked by hand says what failed.
        if (failure.code === 'local-server' && !(await options.picked())) {
          const said = failure.key ? localMessage(failure.key, ...(failure.params ?? [])) : failure.message;
          throw new AppError('model-load', said, { cause: error });
        }
        throw failure;
      }
      return createLocalServerSession(connection, server, spec);
    },
  };

  return {
    tier: 'local-server',
    backend,
    async model() {
      const found = await connected();
      if (!found) throw new AppError('local-server', localMessage('error_server_none'));
      return found.spec;
    },
    async report(): Promise<TierReport> {
      const found = await connected();
      if (!found) {
        const { server } = await options.settings();
        return {
          tier: 'local-server',
          state: 'unavailable',
          reason: server ? t('tier_server_pick', server.url) : t('tier_server_none'),
          forcible: false,
        };
      }
      return {
        tier: 'local-server',
        state: 'available',
        reason: t(
          'tier_server_ready',
          found.server.model,
          found.server.url,
          found.spec.contextSize.toLocaleString(uiLocale().lang),
        ),
        forcible: true,
      };
    },
  };
}
