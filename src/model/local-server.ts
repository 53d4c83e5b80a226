import * as v from 'valibot';

/** The local servers Settings offers, by the port each listens on by default. */
export const SERVER_PRESETS = [
  { id: 'ollama', name: 'Ollama', url: 'http://127.0.0.1:11434' },
  { id: 'lm-studio', name: 'LM Studio', url: 'http://127.0.0.1:1234' },
  { id: 'llama-cpp', name: 'llama.cpp (llama-server)', url: 'http://127.0.0.1:8080' },
  { id: 'vllm', name: 'vLLM', url: 'http://127.0.0.1:8000' },
] as const;

export const DEFAULT_SERVER_URL = SERVER_PRESETS[0].url;

/**
 * Prompt and answer tokens assumed when the server does not say its context length (Ollama's `/api/show`
 * does; OpenAI's API does not): Ollama's own default context, which every server here can hold.
 */
export const DEFAULT_SERVER_CONTEXT_TOKENS = 4_096;

/**
 * Servers on this computer only (the privacy boundary, and `connect-src`): a server elsewhere is reached
 * through a loopback tunnel (`ssh -L`). The URL is `http://` on 127.0.0.1, localhost or [::1], with a port
 * and no path, query or credentials.
 */
export function normalizeServerUrl(input: string): string | null {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' || url.username || url.password || url.search || url.hash) return null;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return null;
  if (url.pathname !== '/' && url.pathname !== '/v1' && url.pathname !== '/v1/') return null;
  // URL drops a scheme's default port: say it, so the stored URL names where the server listens.
  return `${url.protocol}//${url.hostname}:${url.port || '80'}`;
}

/** Why a URL is refused, for the user. */
export const SERVER_URL_RULE =
  'Pagewise talks only to servers on this computer: use http://127.0.0.1:<port>, http://localhost:<port> or http://[::1]:<port>. For a server on another machine, forward a local port to it (see the README).';

const ServerUrlSchema = v.pipe(
  v.string(),
  v.maxLength(100),
  v.check((url) => normalizeServerUrl(url) === url, SERVER_URL_RULE),
);
const ModelName = v.pipe(v.string(), v.minLength(1), v.maxLength(200));

/** The API the tier speaks to a server: Ollama's own (which takes a context size), or OpenAI's. */
export const SERVER_APIS = ['ollama', 'openai'] as const;
export type ServerApi = (typeof SERVER_APIS)[number];

/** The connected server, as Settings keeps it (its API key is stored apart, for the worker only). */
export const LocalServerSchema = v.object({
  url: ServerUrlSchema,
  api: v.picklist(SERVER_APIS),
  /** The models the server listed at Connect. */
  models: v.pipe(v.array(ModelName), v.maxLength(500)),
  /** The one picked; null until the user picks. */
  model: v.nullable(ModelName),
  /** The picked model's context length as the server gave it; null when it does not say. */
  contextTokens: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(256))),
});
export type LocalServer = v.InferOutput<typeof LocalServerSchema>;

/** What a page sends to connect: the URL and the key (empty: none). */
export const ConnectServerSchema = v.object({
  url: v.pipe(v.string(), v.maxLength(200)),
  key: v.pipe(v.string(), v.maxLength(500)),
});
