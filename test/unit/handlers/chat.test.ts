import { pageContent } from '../../support/article';
import { ALONE } from '../../support/queue';
import 'fake-indexeddb/auto';
import { describe, expect, test, vi } from 'vitest';
import { createHistoryStore } from '../../../src/chat/history';
import type { Engine } from '../../../src/engine/engine';
import { TEST_TINY_LLAMA } from '../../../src/engine/registry';
import type { GenerateOptions, Session } from '../../../src/engine/types';
import { AppError } from '../../../src/errors';
import { createChatHandler } from '../../../src/handlers/chat';
import type { ChatMessage } from '../../../src/model';
import type { StreamEvent } from '../../../src/protocol';

const page = (url = 'https://example.org/harbour#top') =>
  pageContent('## Harbour\n\nThe breakwater was built in 1962.', { url, title: 'The harbour' });

let dbs = 0;
/** The handler with a scripted model: it answers `answer`, token by token, or fails with `failure`. */
function setup({ answer = 'It was built in 1962.', failure }: { answer?: string; failure?: Error } = {}) {
  const prompts: ChatMessage[][] = [];
  const session = {
    model: TEST_TINY_LLAMA,
    countTokens: (text: string) => Math.ceil(text.length / 4),
    countPromptTokens: (messages: ChatMessage[]) =>
      Math.ceil(messages.map((m) => m.content).join('').length / 4),
    async generate(messages: ChatMessage[], options: GenerateOptions) {
      prompts.push(messages);
      for (const word of answer.split(/(?= )/)) {
        if (options.signal.aborted) throw new AppError('cancelled', 'Stopped.');
        options.onToken?.(word);
        if (failure) throw failure;
      }
      return {
        text: answer,
        promptTokens: 1,
        reusedTokens: 0,
        newTokens: 1,
        timeToFirstTokenMs: 1,
        tokensPerSecond: 1,
      };
    },
    dispose: async () => {},
  } satisfies Session;
  const engine = { run: (task: (s: Session) => Promise<unknown>) => task(session) } as unknown as Engine;
  const history = createHistoryStore({ dbName: `chat-handler-${++dbs}` });
  let currentPage = page();
  const chat = createChatHandler({
    engine,
    history,
    readPage: async () => currentPage,
    retrieve: async (p) => ({ passages: [{ index: 0, text: p.text, heading: 'Harbour' }] }),
  });
  const ask = (request: Partial<Parameters<typeof chat>[0]> = {}, signal = new AbortController().signal) => {
    const events: StreamEvent[] = [];
    const result = chat(
      {
        tabId: 1,
        conversationId: null,
        question: 'When?',
        selection: null,
        preset: null,
        regenerate: false,
        ...request,
      },
      { signal, emit: (e) => events.push(e), sender: {}, queue: ALONE },
    );
    return { result, events };
  };
  return { ask, history, prompts, moveTo: (url: string) => (currentPage = page(url)) };
}

vi.mock('webextension-polyfill', () => ({ default: { i18n: { getUILanguage: () => 'en-GB' } } }));

describe('the chat handler', () => {
  test('saves the question, streams and saves the answer with its sources', async () => {
    const { ask } = setup();
    const { result, events } = ask();
    const conversation = await result;
    expect(conversation.url).toBe('https://example.org/harbour');
    expect(conversation.messages.map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'When?', undefined],
      ['assistant', 'It was built in 1962.', 'complete'],
    ]);
    expect(conversation.messages[1]?.sources).toEqual([
      { index: 0, text: 'Harbour\n\nThe breakwater was built in 1962.', heading: 'Harbour' },
    ]);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['stage', 'conversation', 'sources', 'token']),
    );
    expect(events.flatMap((e) => (e.type === 'token' ? [e.text] : [])).join('')).toBe(
      'It was built in 1962.',
    );
  });

  test('a preset is saved as the instruction it stands for, not the panel’s label', async () => {
    const { ask, prompts } = setup();
    const conversation = await ask({ question: 'Explain this', preset: 'explain', selection: 'breakwater' })
      .result;
    expect(conversation.messages[0]?.content).toMatch(/^Explain/);
    expect(conversation.messages[0]?.content).not.toBe('Explain this');
    expect(conversation.messages[0]?.selection).toBe('breakwater');
    expect(prompts[0]?.at(-1)?.content).toContain(conversation.messages[0]?.content);
  });

  test('a follow-up continues the conversation; a #fragment is the same page, another URL a new chat', async () => {
    const { ask, moveTo } = setup();
    const first = await ask().result;
    moveTo('https://example.org/harbour#history');
    const second = await ask({ conversationId: first.id, question: 'Who?' }).result;
    expect(second.id).toBe(first.id);
    expect(second.messages).toHaveLength(4);
    moveTo('https://example.org/other');
    const third = await ask({ conversationId: first.id, question: 'And here?' }).result;
    expect(third.id).not.toBe(first.id);
    expect(third.messages).toHaveLength(2);
  });

  test('Regenerate replaces the last answer and asks the same question again', async () => {
    const { ask, prompts } = setup();
    const first = await ask().result;
    const again = await ask({ conversationId: first.id, question: '', regenerate: true }).result;
    expect(again.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(again.messages[1]?.id).not.toBe(first.messages[1]?.id);
    expect(prompts[1]).toEqual(prompts[0]);
  });

  test('an empty question is refused before anything is saved', async () => {
    const { ask, history } = setup();
    await expect(ask({ question: '   ' }).result).rejects.toMatchObject({ code: 'invalid-message' });
    await expect(history.list()).resolves.toEqual([]);
  });

  test('Stop keeps the partial answer as stopped; a failure keeps it as interrupted', async () => {
    const stopped = setup({ answer: 'One two three four' });
    const controller = new AbortController();
    const run = stopped.ask({}, controller.signal);
    const tokens = run.events;
    // Abort after the first token arrives.
    const original = tokens.push.bind(tokens);
    tokens.push = (...items: StreamEvent[]) => {
      if (items.some((e) => e.type === 'token')) controller.abort();
      return original(...items);
    };
    await expect(run.result).rejects.toMatchObject({ code: 'cancelled' });
    const [summary] = await stopped.history.list();
    const saved = await stopped.history.get(summary?.id as string);
    expect(saved?.messages.at(-1)).toMatchObject({ role: 'assistant', content: 'One', status: 'stopped' });

    const failing = setup({ failure: new Error('session.run failed') });
    await expect(failing.ask().result).rejects.toThrow('session.run failed');
    const [other] = await failing.history.list();
    const kept = await failing.history.get(other?.id as string);
    expect(kept?.messages.at(-1)).toMatchObject({ role: 'assistant', content: 'It', status: 'interrupted' });
  });

  test('Stop and a failure each end with the conversation as saved, sent last before the error', async () => {
    const stopped = setup({ answer: 'One two three four' });
    const controller = new AbortController();
    const run = stopped.ask({}, controller.signal);
    const original = run.events.push.bind(run.events);
    run.events.push = (...items: StreamEvent[]) => {
      if (items.some((e) => e.type === 'token')) controller.abort();
      return original(...items);
    };
    await expect(run.result).rejects.toMatchObject({ code: 'cancelled' });
    const [summary] = await stopped.history.list();
    const saved = await stopped.history.get(summary?.id as string);
    expect(run.events.at(-1)).toEqual({ type: 'finalConversation', conversation: saved });
    expect(saved?.messages.map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'When?', undefined],
      ['assistant', 'One', 'stopped'],
    ]);

    const failing = setup({ failure: new Error('session.run failed') });
    const failed = failing.ask();
    await expect(failed.result).rejects.toThrow('session.run failed');
    const [other] = await failing.history.list();
    const kept = await failing.history.get(other?.id as string);
    expect(failed.events.at(-1)).toEqual({ type: 'finalConversation', conversation: kept });
    expect(kept?.messages.at(-1)).toMatchObject({ content: 'It', status: 'interrupted' });
  });

  test('a question that could not be saved ends with no conversation to show', async () => {
    const { ask } = setup();
    const refused = ask({ question: '   ' });
    await expect(refused.result).rejects.toMatchObject({ code: 'invalid-message' });
    expect(refused.events.map((e) => e.type)).not.toContain('finalConversation');
  });
});
