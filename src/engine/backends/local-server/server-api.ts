import { AppError, cancelled, type LocalMessage, localMessage } from '../../../errors';
import type { ChatMessage, ServerApi } from '../../../model';
import { createNdjsonParser, createSseParser } from './stream-parsers';

// The HTTP side of the local-server tier: the two APIs local servers speak (OpenAI's, which all four do,
// and Ollama's own, which takes a context size), each failure turned into a message a person can act on.

/** Where to reach a server and how. */
export interface ServerConnection {
  url: string;
  /** Sent as `Authorization: Bearer`, to this server only; empty: none. */
  key: string;
}

/** What a streamed answer yields: text as it comes, then what the server counted. */
export type ChatEvent =
  | { type: 'text'; text: string }
  | { type: 'end'; promptTokens: number | null; newTokens: number | null };

const PORT_NAMES: Record<string, string> = {
  '11434': 'Ollama',
  '1234': 'LM Studio',
  '8080': 'llama.cpp’s llama-server',
  '8000': 'vLLM',
};

const serverError = (message: LocalMessage, cause?: unknown) =>
  new AppError('local-server', message, cause === undefined ? undefined : { cause });

function notAnswering(url: string, cause?: unknown): AppError {
  const name = PORT_NAMES[new URL(url).port];
  return serverError(
    name
      ? localMessage('error_server_not_answering', url, name)
      : localMessage('error_server_not_answering_unknown', url),
    cause,
  );
}

/** `detail` is technical (an HTTP status, an endpoint) and stays in English. */
function notOpenAi(url: string, detail: string): AppError {
  return serverError(localMessage('error_server_not_openai', url, detail));
}

async function call(
  { url, key }: ServerConnection,
  path: string,
  init: { method: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal },
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${url}${path}`, {
      method: init.method,
      headers,
      body: init.body === undefined ? null : JSON.stringify(init.body),
      // No cookies or cached answers: a model server is an API, not a site.
      credentials: 'omit',
      cache: 'no-store',
      ...(init.signal ? { signal: init.signal } : {}),
    });
  } catch (error) {
    if (init.signal?.aborted) throw cancelled();
    throw notAnswering(url, error);
  }
  if (response.status === 401) {
    throw serverError(localMessage('error_server_unauthorized', url));
  }
  if (response.status === 403) {
    throw serverError(localMessage('error_server_forbidden', url));
  }
  return response;
}

async function readJson(response: Response, url: string): Promise<Record<string, unknown>> {
  const text = await response.text();
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {}
  throw notOpenAi(url, `HTTP ${response.status}, ${text ? 'not JSON' : 'an empty body'}`);
}

const names = (list: unknown, field: string): string[] | null =>
  Array.isArray(list)
    ? list
        .map((entry) =>
          entry && typeof entry === 'object' ? (entry as Record<string, unknown>)[field] : null,
        )
        .filter((name): name is string => typeof name === 'string' && name.length > 0 && name.length <= 200)
    : null;

/**
 * The API a server speaks and the models it has. Ollama is told by `/api/version` (llama-server also
 * answers `/api/tags` for Ollama's clients, but not `/api/chat`), and then spoken to in its own API, which
 * takes a context size where its OpenAI one does not; any other server by OpenAI's `/v1/models`.
 */
export async function listServerModels(
  connection: ServerConnection,
): Promise<{ api: ServerApi; models: string[] }> {
  const version = await call(connection, '/api/version', { method: 'GET' });
  const ollama =
    version.ok && typeof (await readJson(version, connection.url).catch(() => null))?.version === 'string';
  if (!version.bodyUsed) await version.body?.cancel();
  if (ollama) {
    const tags = await call(connection, '/api/tags', { method: 'GET' });
    const models = tags.ok ? names((await readJson(tags, connection.url)).models, 'name') : null;
    if (!models) throw notOpenAi(connection.url, `GET /api/tags: HTTP ${tags.status}`);
    return { api: 'ollama', models };
  }
  const response = await call(connection, '/v1/models', { method: 'GET' });
  if (!response.ok) throw notOpenAi(connection.url, `GET /v1/models: HTTP ${response.status}`);
  const models = names((await readJson(response, connection.url)).data, 'id');
  if (!models) throw notOpenAi(connection.url, 'GET /v1/models has no model list');
  return { api: 'openai', models };
}

/** The model's context length where the server tells it (Ollama's `/api/show`), else null. */
export async function serverContextTokens(
  connection: ServerConnection,
  api: ServerApi,
  model: string,
): Promise<number | null> {
  if (api !== 'ollama') return null;
  const response = await call(connection, '/api/show', { method: 'POST', body: { model } });
  if (response.status === 404) throw modelGone(connection.url, model);
  if (!response.ok) return null;
  const info = (await readJson(response, connection.url)).model_info;
  if (!info || typeof info !== 'object') return null;
  const entry = Object.entries(info).find(([key]) => key.endsWith('.context_length'));
  const tokens = Number(entry?.[1]);
  return Number.isInteger(tokens) && tokens >= 256 ? tokens : null;
}

function modelGone(url: string, model: string): AppError {
  return serverError(localMessage('error_server_model_gone', url, model));
}

function diedMidAnswer(url: string, cause?: unknown): AppError {
  return serverError(localMessage('error_server_died', url), cause);
}

export interface StreamChatOptions {
  api: ServerApi;
  model: string;
  messages: ChatMessage[];
  maxTokens: number;
  /** Ollama's `num_ctx`: its default context is smaller than most models'. */
  contextTokens: number;
  signal: AbortSignal;
}

/** One streamed answer: Stop (the signal) aborts the request, and the server sees the connection close. */
export async function* streamChat(
  connection: ServerConnection,
  options: StreamChatOptions,
): AsyncGenerator<ChatEvent> {
  const { api, model, messages, maxTokens, contextTokens, signal } = options;
  const ollama = api === 'ollama';
  const response = await call(connection, ollama ? '/api/chat' : '/v1/chat/completions', {
    method: 'POST',
    signal,
    body: ollama
      ? { model, messages, stream: true, options: { num_ctx: contextTokens, num_predict: maxTokens } }
      : { model, messages, stream: true, max_tokens: maxTokens, stream_options: { include_usage: true } },
  });
  if (response.status === 404) {
    const body = await response.text().catch(() => '');
    throw /model/i.test(body) ? modelGone(connection.url, model) : notOpenAi(connection.url, 'HTTP 404');
  }
  if (!response.ok) {
    const body = await readJson(response, connection.url).catch(() => ({}) as Record<string, unknown>);
    const error = body.error as { message?: unknown } | string | undefined;
    const said = typeof error === 'string' ? error : error?.message;
    throw serverError(
      typeof said === 'string'
        ? localMessage('error_server_http_said', connection.url, response.status, said.slice(0, 300))
        : localMessage('error_server_http', connection.url, response.status),
    );
  }
  const type = response.headers.get('content-type') ?? '';
  if (!(ollama ? /ndjson|json/ : /event-stream/).test(type) || !response.body) {
    await response.body?.cancel();
    throw notOpenAi(connection.url, `a ${type || 'untyped'} answer instead of a stream`);
  }
  const parser = ollama ? createNdjsonParser() : createSseParser();
  const reader = response.body.getReader();
  let finished = false;
  let promptTokens: number | null = null;
  let newTokens: number | null = null;
  const read = function* (records: string[]): Generator<ChatEvent> {
    for (const record of records) {
      if (!ollama && record === '[DONE]') {
        finished = true;
        continue;
      }
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(record);
      } catch {
        throw notOpenAi(connection.url, 'a stream event that is not JSON');
      }
      if (event.error) {
        const error = event.error as { message?: unknown } | string;
        const said = String(typeof error === 'string' ? error : error.message).slice(0, 300);
        throw serverError(localMessage('error_server_failed', connection.url, said));
      }
      const text = ollama ? ollamaText(event) : openAiText(event);
      if (text === undefined) throw notOpenAi(connection.url, 'a stream event without choices');
      if (text) yield { type: 'text', text };
      const usage = (ollama ? event : event.usage) as Record<string, unknown> | undefined;
      const prompt = usage?.[ollama ? 'prompt_eval_count' : 'prompt_tokens'];
      const generated = usage?.[ollama ? 'eval_count' : 'completion_tokens'];
      if (typeof prompt === 'number') promptTokens = prompt;
      if (typeof generated === 'number') newTokens = generated;
      if (ollama && event.done === true) finished = true;
    }
  };
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (signal.aborted) throw cancelled();
        throw diedMidAnswer(connection.url, error);
      }
      if (chunk.done) break;
      yield* read(parser.push(chunk.value));
    }
    yield* read(parser.end());
  } finally {
    // A consumer that stops early (Stop, or enough tokens) closes the connection.
    await reader.cancel().catch(() => {});
  }
  if (!finished) throw diedMidAnswer(connection.url);
  yield { type: 'end', promptTokens, newTokens };
}

/** `choices[0].delta.content`: '' for a role-only or usage-only event, undefined when it is not that shape. */
function openAiText(event: Record<string, unknown>): string | undefined {
  const choices = event.choices;
  if (!Array.isArray(choices)) return undefined;
  if (choices.length === 0) return event.usage ? '' : undefined;
  const delta = (choices[0] as { delta?: { content?: unknown } } | undefined)?.delta;
  if (!delta || typeof delta !== 'object') return undefined;
  return typeof delta.content === 'string' ? delta.content : '';
}

function ollamaText(event: Record<string, unknown>): string | undefined {
  const message = event.message as { content?: unknown } | undefined;
  if (message && typeof message.content === 'string') return message.content;
  return event.done === true ? '' : undefined;
}
