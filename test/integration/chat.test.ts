import { ALONE } from '../support/queue';
import 'fake-indexeddb/auto';
import { afterAll, expect, test, vi } from 'vitest';
import { TEST_MODELS_DIR } from '../../scripts/test-models';
import { createHistoryStore } from '../../src/chat/history';
import { loadTransformersEmbedder } from '../../src/engine/backends/transformers-embedder';
import { createLazyEmbedder } from '../../src/engine/embedder';
import { createEngine } from '../../src/engine/engine';
import { TEST_TINY_BERT, TEST_TINY_LLAMA } from '../../src/engine/registry';
import type { GenerateResult, Session } from '../../src/engine/types';
import { createChatHandler } from '../../src/handlers/chat';
import type { Conversation, StreamEvent } from '../../src/protocol';
import { createPageIndexStore } from '../../src/retrieval/page-index';
import { createRetriever } from '../../src/retrieval/retriever';
import { longArticleText, pageContent } from '../support/article';
import { createTestBackend } from '../support/engine';

// The chat handler end to end in Node: real engine, real embedder, real history (in fake-indexeddb);
// only the browser's tab messaging is replaced by a function that returns the page.

vi.mock('webextension-polyfill', () => ({ default: { i18n: { getUILanguage: () => 'en-US' } } }));

const PLANTED = 'The lighthouse keeper, Ingrid Solberg, painted the lamp room cobalt blue in 1931.';
const blocks = longArticleText(9_000).split('\n\n');
blocks.splice(Math.floor(blocks.length * 0.6), 0, PLANTED);
const page = pageContent(blocks.join('\n\n'));

// Records what every generation did, to see the KV cache at work across turns.
const generations: GenerateResult[] = [];
const backend = createTestBackend();
const engine = createEngine(
  {
    ...backend,
    load: async (model, onProgress) => {
      const session = await backend.load(model, onProgress);
      return {
        ...session,
        countTokens: session.countTokens,
        countPromptTokens: session.countPromptTokens,
        generate: async (messages, options) => {
          const result = await session.generate(messages, options);
          generations.push(result);
          return result;
        },
      } satisfies Session;
    },
  },
  TEST_TINY_LLAMA,
);
const embedder = createLazyEmbedder((onProgress) =>
  loadTransformersEmbedder(TEST_TINY_BERT, { device: 'cpu', localModelPath: TEST_MODELS_DIR }, onProgress),
);
const history = createHistoryStore({ dbName: 'chat-integration' });
const retriever = createRetriever({
  embedder: embedder.get,
  store: createPageIndexStore({ dbName: 'index-integration' }),
});
const chat = createChatHandler({ engine, history, readPage: async () => page, retrieve: retriever.retrieve });

afterAll(async () => {
  await engine.dispose();
  await embedder.dispose();
});

async function ask(question: string, conversationId: string | null, selection: string | null = null) {
  const events: StreamEvent[] = [];
  const conversation = await chat(
    { tabId: 1, conversationId, question, selection, preset: null, regenerate: false },
    { signal: new AbortController().signal, emit: (e) => events.push(e), sender: {}, queue: ALONE },
  );
  return { conversation, events };
}

test('a three-turn chat: grounded in the page, streamed, saved, and follow-ups reuse the cache', async () => {
  const turns: { conversation: Conversation; events: StreamEvent[] }[] = [];
  turns.push(await ask('What colour did Ingrid Solberg paint the lamp room?', null));
  const id = turns[0]?.conversation.id as string;
  turns.push(await ask('When was that?', id));
  turns.push(await ask('Who else is mentioned?', id));

  const saved = await history.get(id);
  expect(saved?.messages.map((m) => m.role)).toEqual([
    'user',
    'assistant',
    'user',
    'assistant',
    'user',
    'assistant',
  ]);
  for (const [i, { events }] of turns.entries()) {
    const streamed = events.flatMap((e) => (e.type === 'token' ? [e.text] : [])).join('');
    const answer = saved?.messages[i * 2 + 1];
    expect(answer?.status).toBe('complete');
    expect(streamed).toBe(answer?.content);
    expect(answer?.sources?.length).toBeGreaterThan(0);
  }
  // The planted fact is among the passages the first answer drew on.
  expect(saved?.messages[1]?.sources?.some((s) => s.text.includes('Ingrid Solberg'))).toBe(true);

  // Each follow-up read only what was new: the earlier turns came from the KV cache.
  const [first, second, third] = generations.slice(-3) as [GenerateResult, GenerateResult, GenerateResult];
  expect(first.reusedTokens).toBe(0);
  for (const followUp of [second, third]) {
    expect(followUp.reusedTokens).toBeGreaterThan(0);
    expect(followUp.promptTokens - followUp.reusedTokens).toBeLessThan(followUp.promptTokens);
  }
  console.info(
    `[chat] first question: ${first.promptTokens} prompt tokens, first token after ${first.timeToFirstTokenMs.toFixed(0)} ms; ` +
      `follow-ups: ${[second, third]
        .map(
          (g) =>
            `${g.promptTokens - g.reusedTokens} new of ${g.promptTokens} tokens, first token after ${g.timeToFirstTokenMs.toFixed(0)} ms`,
        )
        .join('; ')}`,
  );
});

test('Stop keeps the partial answer, marked stopped', async () => {
  const controller = new AbortController();
  let tokens = 0;
  const run = chat(
    {
      tabId: 1,
      conversationId: null,
      question: 'Tell me everything.',
      selection: null,
      preset: null,
      regenerate: false,
    },
    {
      signal: controller.signal,
      emit: (e) => {
        if (e.type === 'token' && ++tokens === 3) setTimeout(() => controller.abort(), 0);
      },
      sender: {},
      queue: ALONE,
    },
  );
  await expect(run).rejects.toMatchObject({ code: 'cancelled' });
  const [latest] = await history.list();
  const saved = await history.get(latest?.id as string);
  const answer = saved?.messages.at(-1);
  expect(answer?.role).toBe('assistant');
  expect(answer?.status).toBe('stopped');
  expect(answer?.content.length).toBeGreaterThan(0);
});
