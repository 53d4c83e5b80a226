import { mkdtemp } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  getLlama,
  type LlamaContextSequence,
  LlamaLogLevel,
  type LlamaModel,
  type Token,
  TokenBias,
} from 'node-llama-cpp';
import { writeTinyLlamaGguf } from './gguf';

// A local model server for the tests, on loopback, around the real llama.cpp engine (node-llama-cpp's CPU
// build): OpenAI's `/v1/models` and `/v1/chat/completions` (SSE) as all four servers speak them, and
// Ollama's `/api/tags`, `/api/show` and `/api/chat` (NDJSON). Like Ollama it can refuse foreign Origins
// with 403, like `llama-server --api-key` and vLLM it can want a Bearer key, and it can die mid-answer.

/** One request as the server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  origin: string | undefined;
  authorization: string | undefined;
  body: unknown;
  /** The client closed the connection before the answer ended (Stop). */
  aborted: boolean;
  /** Tokens generated for it. */
  tokens: number;
  /** Prompt tokens of a chat request, as its usage reports them. */
  promptTokens: number;
  status: number;
}

export interface LlamaServerOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Wants `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Refuses Origins Ollama does not allow by default (403), as Ollama does. */
  checkOrigin?: boolean;
  /** The model's name in listings. */
  modelName?: string;
  /** More names listed for the same model, so that a client has to pick one. */
  aliases?: string[];
  /** Speaks Ollama's own API too (true unless false): false is a llama-server, vLLM or LM Studio. */
  ollama?: boolean;
  /** Waits this long between streamed tokens, so a test can stop an answer in the middle. */
  tokenDelayMs?: number;
}

export interface LlamaServer {
  readonly url: string;
  readonly modelName: string;
  readonly requests: SeenRequest[];
  /** Settings a test changes as it goes. */
  options: LlamaServerOptions;
  /** The next streamed answer kills the server (connections and listener) after this many tokens. */
  dieAfter(tokens: number): void;
  /** Answers chat with an HTML page instead of OpenAI's shape. */
  answerNonsense(on: boolean): void;
  /** Lists no model any more, and answers 404 for it. */
  removeModel(removed: boolean): void;
  /** Stops listening and drops every connection. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Resolves when the server is dead (after `dieAfter`). */
  died(): Promise<void>;
  close(): Promise<void>;
}

const OLLAMA_ALLOWED =
  /^(https?:\/\/(localhost|127\.0\.0\.1|0\.0\.0\.0)(:\d+)?|app:\/\/|file:\/\/|tauri:\/\/)/;

interface ChatMessage {
  role: string;
  content: string;
}

function render(messages: ChatMessage[]): string {
  return `${messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('')}<|im_start|>assistant\n`;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Starts the server on loopback with a freshly generated tiny model. */
export async function startLlamaServer(options: LlamaServerOptions = {}): Promise<LlamaServer> {
  const dir = await mkdtemp(join(tmpdir(), 'pagewise-gguf-'));
  const modelPath = join(dir, 'tiny-llama.gguf');
  await writeTinyLlamaGguf(modelPath);
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
  const model: LlamaModel = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize: 4096, threads: 1, sequences: 1 });
  const sequence: LlamaContextSequence = context.getSequence();
  // Random weights pick byte tokens: bytes >= 0x80 would stream invalid UTF-8, and control bytes and the
  // special tokens would end or garble the answer. Banned, the answer is readable gibberish that runs to its
  // token limit.
  const bias = new TokenBias(model.tokenizer);
  for (let id = 0; id < 5 + 256; id++) {
    const byte = id - 5;
    if (id < 5 || byte < 0x20 || byte >= 0x7f) bias.set(id as Token, 'never');
  }

  const modelName = options.modelName ?? 'tiny-llama:latest';
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  let dieAfterTokens: number | undefined;
  let nonsense = false;
  let removed = false;
  let onDied: (() => void) | undefined;
  let diedPromise = new Promise<void>((resolve) => {
    onDied = resolve;
  });
  // One sequence: answers are generated one after another, as a one-slot llama-server does.
  let queue: Promise<unknown> = Promise.resolve();

  const generate = (
    messages: ChatMessage[],
    maxTokens: number,
    signal: AbortSignal,
    onText: (text: string) => Promise<void>,
  ) => {
    const run = queue.then(async () => {
      await sequence.clearHistory();
      const prompt = model.tokenize(render(messages), true);
      let count = 0;
      let finish: 'length' | 'stop' = 'stop';
      // A zero limit answers nothing, as servers do.
      if (maxTokens > 0) {
        // A bias cannot ban the end tokens: they are read past instead, so every answer runs to its limit
        // (a test's choice, like max_tokens).
        for await (const token of sequence.evaluate(prompt, {
          temperature: 0,
          tokenBias: bias,
          yieldEogToken: true,
        })) {
          if (signal.aborted) break;
          if (model.isEogToken(token)) continue;
          count++;
          await onText(model.detokenize([token]));
          if (count >= maxTokens) {
            finish = 'length';
            break;
          }
        }
      }
      return { promptTokens: prompt.length, count, finish };
    });
    queue = run.catch(() => {});
    return run;
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => {
    const { checkOrigin, apiKey, tokenDelayMs = 0 } = server.options;
    if (checkOrigin && seen.origin && !OLLAMA_ALLOWED.test(seen.origin)) {
      seen.status = 403;
      res.writeHead(403).end();
      return;
    }
    if (apiKey && seen.authorization !== `Bearer ${apiKey}`) {
      seen.status = 401;
      json(res, 401, { error: { code: 401, message: 'Invalid API Key', type: 'authentication_error' } });
      return;
    }
    // llama-server answers /api/tags for Ollama's clients too, but not the rest of Ollama's API.
    if (server.options.ollama === false && seen.path.startsWith('/api/') && seen.path !== '/api/tags') {
      seen.status = 404;
      res.writeHead(404).end('File Not Found');
      return;
    }
    const body = (seen.body ?? {}) as Record<string, unknown>;
    const listed = removed ? [] : [modelName, ...(server.options.aliases ?? [])];
    const wanted = typeof body.model === 'string' ? body.model : '';
    const missing = () => {
      seen.status = 404;
      json(res, 404, { error: { message: `model '${wanted}' not found`, type: 'not_found_error' } });
    };
    if (req.method === 'GET' && seen.path === '/v1/models') {
      json(res, 200, {
        object: 'list',
        data: listed.map((id) => ({ id, object: 'model', owned_by: 'test' })),
      });
      return;
    }
    if (req.method === 'GET' && seen.path === '/api/version') {
      json(res, 200, { version: '0.13.0' });
      return;
    }
    if (req.method === 'GET' && seen.path === '/api/tags') {
      json(res, 200, { models: listed.map((name) => ({ name, model: name, size: 1, details: {} })) });
      return;
    }
    if (req.method === 'POST' && seen.path === '/api/show') {
      if (!listed.includes(wanted)) return missing();
      json(res, 200, { details: { family: 'llama' }, model_info: { 'llama.context_length': 4096 } });
      return;
    }
    const openai = seen.path === '/v1/chat/completions';
    if (req.method !== 'POST' || !(openai || seen.path === '/api/chat')) {
      seen.status = 404;
      res.writeHead(404).end('404 page not found');
      return;
    }
    if (!listed.includes(wanted)) return missing();
    if (nonsense) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Welcome to nginx!</body></html>');
      return;
    }
    const messages = Array.isArray(body.messages) ? (body.messages as ChatMessage[]) : [];
    const ollamaOptions = (body.options ?? {}) as Record<string, unknown>;
    const maxTokens = Number(openai ? (body.max_tokens ?? 256) : (ollamaOptions.num_predict ?? 256));
    const stream = body.stream !== false;
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) {
        seen.aborted = true;
        abort.abort();
      }
    });
    const id = `chatcmpl-${requests.length}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      openai
        ? `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: modelName, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
        : `${JSON.stringify({ model: modelName, created_at: new Date().toISOString(), message: { role: 'assistant', content: delta.content ?? '' }, done: false })}\n`;
    if (stream) {
      res.writeHead(200, {
        'content-type': openai ? 'text/event-stream' : 'application/x-ndjson',
        'cache-control': 'no-cache',
      });
      if (openai) res.write(chunk({ role: 'assistant', content: '' }, null));
    }
    let text = '';
    const result = await generate(messages, maxTokens, abort.signal, async (piece) => {
      text += piece;
      seen.tokens++;
      if (stream) res.write(chunk({ content: piece }, null));
      if (dieAfterTokens !== undefined && seen.tokens >= dieAfterTokens) {
        dieAfterTokens = undefined;
        abort.abort();
        void die();
        return;
      }
      if (tokenDelayMs) await new Promise((resolve) => setTimeout(resolve, tokenDelayMs));
    });
    if (abort.signal.aborted) return;
    seen.status = 200;
    seen.promptTokens = result.promptTokens;
    const usage = {
      prompt_tokens: result.promptTokens,
      completion_tokens: result.count,
      total_tokens: result.promptTokens + result.count,
    };
    if (!stream) {
      json(res, 200, {
        id,
        object: 'chat.completion',
        model: modelName,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: result.finish }],
        usage,
      });
      return;
    }
    if (openai) {
      res.write(chunk({}, result.finish));
      const streamOptions = (body.stream_options ?? {}) as Record<string, unknown>;
      if (streamOptions.include_usage) {
        res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', choices: [], usage })}\n\n`);
      }
      res.end('data: [DONE]\n\n');
    } else {
      res.end(
        `${JSON.stringify({ model: modelName, message: { role: 'assistant', content: '' }, done: true, done_reason: result.finish, prompt_eval_count: usage.prompt_tokens, eval_count: usage.completion_tokens })}\n`,
      );
    }
  };

  const http: Server = createServer((req, res) => {
    const seen: SeenRequest = {
      method: req.method ?? '',
      path: (req.url ?? '').split('?')[0] ?? '',
      origin: req.headers.origin,
      authorization: req.headers.authorization,
      body: undefined,
      aborted: false,
      tokens: 0,
      promptTokens: 0,
      status: 0,
    };
    requests.push(seen);
    readBody(req)
      .then((body) => {
        seen.body = body;
        return handle(req, res, seen);
      })
      .catch((error) => {
        if (!res.headersSent) json(res, 500, { error: { message: String(error) } });
        else res.destroy();
      });
  });
  http.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, '127.0.0.1', () => {
        http.off('error', reject);
        const address = http.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!http.listening) return resolve();
      http.close(() => resolve());
    });
  const die = async () => {
    await stop();
    onDied?.();
  };

  const port = await listen(options.port ?? 0);
  const server: LlamaServer = {
    url: `http://127.0.0.1:${port}`,
    modelName,
    requests,
    options: { ...options },
    dieAfter(tokens) {
      dieAfterTokens = tokens;
      diedPromise = new Promise<void>((resolve) => {
        onDied = resolve;
      });
    },
    answerNonsense(on) {
      nonsense = on;
    },
    removeModel(value) {
      removed = value;
    },
    stop,
    async start() {
      if (!http.listening) await listen(port);
    },
    died: () => diedPromise,
    async close() {
      await stop();
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
  return server;
}
