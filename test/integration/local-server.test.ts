import { afterAll, beforeAll, describe, expect, test } from 'vitest';
// The files, not the folder's index: its connection module needs the browser's storage.
import { listServerModels, serverContextTokens } from '../../src/engine/backends/local-server/server-api';
import { createLocalServerSession, serverModelSpec } from '../../src/engine/backends/local-server/session';
import type { LocalServer } from '../../src/model';
import { type LlamaServer, startLlamaServer } from '../llama-server/server';
import { longArticleText } from '../support/article';

/*
 * The tier's HTTP side in Node against the real llama.cpp test server: both APIs, the server's token counts
 * correcting the estimate, and each failure's message.
 */

let server: LlamaServer;

beforeAll(async () => {
  server = await startLlamaServer();
});

afterAll(async () => {
  await server?.close();
});

const session = (api: LocalServer['api'], contextTokens = 4096) => {
  const connected = {
    url: server.url,
    api,
    models: [server.modelName],
    model: server.modelName,
    contextTokens,
  };
  return createLocalServerSession(
    { url: server.url, key: server.options.apiKey ?? '' },
    connected,
    serverModelSpec(connected, contextTokens),
  );
};

const ask = [{ role: 'user' as const, content: `Summarize: ${longArticleText(2_000)}` }];

describe.each(['ollama', 'openai'] as const)('through the %s API', (api) => {
  test('streams every token, and the server’s prompt count raises a low estimate', async () => {
    const run = session(api);
    const streamed: string[] = [];
    const before = run.countPromptTokens(ask);
    const result = await run.generate(ask, {
      maxNewTokens: 40,
      signal: new AbortController().signal,
      onToken: (text) => streamed.push(text),
    });
    expect(result.newTokens).toBe(40);
    expect(streamed.join('')).toBe(result.text);
    expect(streamed.length).toBeGreaterThan(20);
    const served = chatRequests().at(-1);
    expect(served?.path).toBe(api === 'ollama' ? '/api/chat' : '/v1/chat/completions');
    // The server counted the prompt: later estimates are never below what it found.
    expect(result.promptTokens).toBe(served?.promptTokens);
    expect(run.countPromptTokens(ask)).toBeGreaterThanOrEqual(Math.max(before, result.promptTokens));
  });
});

const chatRequests = () =>
  server.requests.filter((r) => r.path === '/api/chat' || r.path === '/v1/chat/completions');

describe('failures, each with its message', () => {
  test('the models list tells Ollama from an OpenAI server, and the context comes from /api/show', async () => {
    expect(await listServerModels({ url: server.url, key: '' })).toEqual({
      api: 'ollama',
      models: [server.modelName],
    });
    expect(await serverContextTokens({ url: server.url, key: '' }, 'ollama', server.modelName)).toBe(4096);
    server.options.ollama = false;
    expect((await listServerModels({ url: server.url, key: '' })).api).toBe('openai');
    server.options.ollama = true;
  });

  test.each([
    ['a wrong key', () => (server.options.apiKey = 'k'), /401 Unauthorized/],
    ['a removed model', () => server.removeModel(true), /no longer has the model tiny-llama:latest/],
    ['an HTML page', () => server.answerNonsense(true), /did not answer as an OpenAI-compatible server does/],
  ])('%s', async (_name, arrange, message) => {
    arrange();
    try {
      const run = createLocalServerSession(
        { url: server.url, key: 'wrong' },
        { url: server.url, api: 'openai', models: [], model: server.modelName, contextTokens: 4096 },
        serverModelSpec(
          { url: server.url, api: 'openai', models: [], model: server.modelName, contextTokens: 4096 },
          4096,
        ),
      );
      await expect(
        run.generate(ask, { maxNewTokens: 8, signal: new AbortController().signal }),
      ).rejects.toThrow(message);
    } finally {
      server.options.apiKey = undefined;
      server.removeModel(false);
      server.answerNonsense(false);
    }
  });

  test('a server that dies mid-answer: the tokens so far came through, then a clear error', async () => {
    const streamed: string[] = [];
    server.dieAfter(5);
    await expect(
      session('openai').generate(ask, {
        maxNewTokens: 40,
        signal: new AbortController().signal,
        onToken: (text) => streamed.push(text),
      }),
    ).rejects.toMatchObject({
      code: 'local-server',
      message: expect.stringMatching(/stopped in the middle/),
    });
    expect(streamed.length).toBeGreaterThan(0);
    await server.start();
    await expect(
      session('openai').generate(ask, { maxNewTokens: 4, signal: new AbortController().signal }),
    ).resolves.toMatchObject({ newTokens: 4 });
  });

  test('nothing listening', async () => {
    await server.stop();
    try {
      await expect(listServerModels({ url: server.url, key: '' })).rejects.toThrow(
        `Nothing answers at ${server.url}. Is the server running?`,
      );
    } finally {
      await server.start();
    }
  });
});
