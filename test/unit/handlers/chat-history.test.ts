import 'fake-indexeddb/auto';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createClearEpoch } from '../../../src/chat/clear-epoch';
import { createHistoryStore } from '../../../src/chat/history';
import type { Engine } from '../../../src/engine/engine';
import { TEST_TINY_LLAMA } from '../../../src/engine/registry';
import type { GenerateOptions, Session } from '../../../src/engine/types';
import { AppError, diskFull, fromErrorData, toErrorData } from '../../../src/errors';
import { createChatHandler } from '../../../src/handlers/chat';
import { createChatHistoryHandlers } from '../../../src/handlers/chat-history';
import type { ChatMessage, Embedder } from '../../../src/model';
import type { ChatRequest, StreamEvent, StreamServer } from '../../../src/protocol';
import type { JobView } from '../../../src/protocol/jobs';
import { contentHash, createPageIndexStore, pageIndexKey } from '../../../src/retrieval/page-index';
import { createRetriever } from '../../../src/retrieval/retriever';
import { longArticleText, pageContent } from '../../support/article';
import { ALONE } from '../../support/queue';

vi.mock('webextension-polyfill', () => ({ default: { i18n: { getUILanguage: () => 'en-GB' } } }));

/** A gate a fake step waits at until the test opens it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

const URL_A = 'https://example.org/harbour';
const URL_B = 'https://example.org/lighthouse';
/** Long enough to be cut into more passages than the chat retrieves: the embedder runs and the index is stored. */
const LONG_TEXT = longArticleText(12_000);

let databases = 0;

/**
 * The chat handler, the history handlers and the real stores (history, page index, retriever) as the worker
 * wires them, over fake-indexeddb; the model and the embedder are scripted and can be held at a gate.
 */
function setup(
  options: { holdEmbedding?: Promise<void>; holdAnswer?: Promise<void>; modelFailure?: Error } = {},
) {
  const clearEpoch = createClearEpoch();
  const id = ++databases;
  const history = createHistoryStore({ dbName: `consistency-history-${id}`, clearEpoch });
  const pages = createPageIndexStore({ dbName: `consistency-index-${id}`, clearEpoch });
  const embedder: Embedder = {
    id: 'fake-embedder',
    async embed(texts) {
      await options.holdEmbedding;
      return texts.map((text) => Float32Array.from([text.length % 7, 1, 2]));
    },
    dispose: async () => {},
  };
  const retriever = createRetriever({ embedder: async () => embedder, store: pages });
  const forgotten: string[] = [];
  const session = {
    model: TEST_TINY_LLAMA,
    countTokens: (text: string) => Math.ceil(text.length / 4),
    countPromptTokens: (messages: ChatMessage[]) =>
      Math.ceil(messages.map((m) => m.content).join('').length / 4),
    async generate(_messages: ChatMessage[], generateOptions: GenerateOptions) {
      generateOptions.onToken?.('It was ');
      if (options.modelFailure) throw options.modelFailure;
      await options.holdAnswer;
      if (generateOptions.signal.aborted) throw new AppError('cancelled', 'Stopped.');
      generateOptions.onToken?.('built in 1962.');
      return {
        text: 'It was built in 1962.',
        promptTokens: 1,
        reusedTokens: 0,
        newTokens: 2,
        timeToFirstTokenMs: 1,
        tokensPerSecond: 1,
      };
    },
    forget: (key: string) => void forgotten.push(key),
    dispose: async () => {},
  } satisfies Session;
  const engine = {
    run: (task: (s: Session) => Promise<unknown>) => task(session),
    forget: (key: string) => session.forget(key),
  } as unknown as Engine;
  // The jobs as the stream server holds them: each request, its events so far, and its Stop.
  const jobs = new Set<{ data: ChatRequest; events: StreamEvent[]; controller: AbortController }>();
  const stopped = () => new AppError('cancelled', 'Stopped.');
  const stopAll = vi.fn(() => {
    for (const { controller } of jobs) controller.abort(stopped());
  });
  const stopWhere = vi.fn((_name: 'chat', matches: (job: JobView<'chat'>) => boolean) => {
    for (const job of jobs) if (matches(job)) job.controller.abort(stopped());
  });
  let currentUrl = URL_A;
  const chat = createChatHandler({
    engine,
    history,
    readPage: async () => pageContent(LONG_TEXT, { url: currentUrl, title: 'The harbour' }),
    retrieve: retriever.retrieve,
    clearEpoch,
  });
  const handlers = createChatHistoryHandlers({
    history,
    pages,
    engine,
    streams: { stopAll, stopWhere } as Pick<StreamServer, 'stopAll' | 'stopWhere'>,
    clearEpoch,
  });
  const ask = (request: Partial<ChatRequest> = {}) => {
    const controller = new AbortController();
    const events: StreamEvent[] = [];
    const data: ChatRequest = {
      tabId: 1,
      conversationId: null,
      question: 'When was the breakwater built?',
      selection: null,
      preset: null,
      regenerate: false,
      ...request,
    };
    jobs.add({ data, events, controller });
    const result = chat(data, {
      signal: controller.signal,
      emit: (e) => events.push(e),
      sender: {},
      queue: ALONE,
    });
    return { result, events };
  };
  const indexOf = async (url: string) => pages.get(pageIndexKey(url, await contentHash(LONG_TEXT)));
  return {
    ask,
    history,
    pages,
    handlers,
    stopAll,
    forgotten,
    indexOf,
    moveTo: (url: string) => (currentUrl = url),
    /** A fresh store over the same index database: what is on disk, not in memory. */
    indexOnDisk: async (url: string) => {
      const reopened = createPageIndexStore({ dbName: `consistency-index-${id}` });
      const found = await reopened.get(pageIndexKey(url, await contentHash(LONG_TEXT)));
      reopened.close();
      return found;
    },
  };
}

/** Lets every pending IndexedDB callback and microtask run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('two writers on one conversation', () => {
  test('two panels asking in the same conversation at once both keep their question and answer', async () => {
    const { ask, history } = setup();
    const first = await ask().result;
    const [a, b] = await Promise.all([
      ask({ conversationId: first.id, question: 'Who built it?' }).result,
      ask({ conversationId: first.id, question: 'Was it ever repaired?' }).result,
    ]);
    expect(a.id).toBe(first.id);
    expect(b.id).toBe(first.id);
    const stored = await history.get(first.id);
    const questions = stored?.messages.filter((m) => m.role === 'user').map((m) => m.content);
    expect(questions).toEqual(
      expect.arrayContaining(['When was the breakwater built?', 'Who built it?', 'Was it ever repaired?']),
    );
    expect(questions).toHaveLength(3);
    expect(stored?.messages.filter((m) => m.role === 'assistant' && m.status === 'complete')).toHaveLength(3);
  });

  test('twenty concurrent appends to the store all land', async () => {
    const { history } = setup();
    const saved = await history.save({
      id: 'c1',
      url: URL_A,
      title: 'T',
      createdAt: 0,
      updatedAt: 0,
      messages: [],
    });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        history.appendMessage(saved.id, { id: `m${i}`, role: 'user', content: `q${i}`, createdAt: i }),
      ),
    );
    expect((await history.get('c1'))?.messages.map((m) => m.id).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `m${i}`).sort(),
    );
  });
});

describe('clear all during an answer', () => {
  test('while the page is being embedded: no chat and no passages come back after the clear', async () => {
    const embedding = gate();
    const { ask, history, pages, handlers, stopAll, indexOf, indexOnDisk } = setup({
      holdEmbedding: embedding.opened,
    });
    const { result } = ask();
    await vi.waitFor(async () => expect(await history.list()).toHaveLength(1));
    const deletes = [vi.spyOn(history, 'clear'), vi.spyOn(pages, 'clear')];
    await handlers.clearChats();
    expect(stopAll).toHaveBeenCalledWith('chat');
    // Stopped first, then deleted: not the other way round.
    for (const deleted of deletes) {
      expect(deleted).toHaveBeenCalledOnce();
      expect(stopAll.mock.invocationCallOrder[0]).toBeLessThan(deleted.mock.invocationCallOrder[0] as number);
    }
    embedding.open();
    await expect(result).rejects.toMatchObject({ code: 'cancelled' });
    await settle();
    expect(await history.list()).toEqual([]);
    expect(await indexOf(URL_A)).toBeUndefined();
    expect(await indexOnDisk(URL_A)).toBeUndefined();
  });

  test('while the answer streams: the answer is not saved back, even when the job does not stop', async () => {
    const answering = gate();
    const { ask, history, handlers, stopAll, indexOnDisk } = setup({ holdAnswer: answering.opened });
    // A job that ignores the stop: only the clear epoch keeps its writes out.
    stopAll.mockImplementation(() => {});
    const { result, events } = ask();
    await vi.waitFor(() => expect(events.some((e) => e.type === 'token')).toBe(true));
    expect(await indexOnDisk(URL_A)).toBeDefined();
    await handlers.clearChats();
    answering.open();
    await expect(result).rejects.toMatchObject({ code: 'cancelled' });
    await settle();
    expect(await history.list()).toEqual([]);
    expect(await indexOnDisk(URL_A)).toBeUndefined();
  });

  test('work that starts after the clear saves as usual', async () => {
    const { ask, history, handlers } = setup();
    await ask().result;
    await handlers.clearChats();
    const conversation = await ask().result;
    expect((await history.list()).map((c) => c.id)).toEqual([conversation.id]);
  });
});

describe('deleting one chat', () => {
  test("drops that page's index and the model's cache of it, and nothing of the other chats", async () => {
    const { ask, handlers, forgotten, indexOf, indexOnDisk, moveTo, history } = setup();
    const a = await ask().result;
    moveTo(URL_B);
    const b = await ask().result;
    expect(await indexOnDisk(URL_A)).toBeDefined();

    await handlers.deleteChat({ id: a.id });
    expect(forgotten).toEqual([a.id]);
    expect(await history.get(a.id)).toBeNull();
    expect(await indexOf(URL_A)).toBeUndefined();
    expect(await indexOnDisk(URL_A)).toBeUndefined();
    expect(await history.get(b.id)).not.toBeNull();
    expect(await indexOnDisk(URL_B)).toBeDefined();
  });

  test("keeps the page's index while another chat is about that page; the last one takes it", async () => {
    const { ask, handlers, history, indexOnDisk } = setup();
    const a = await ask().result;
    const b = await ask().result;
    expect(b.id).not.toBe(a.id);

    await handlers.deleteChat({ id: a.id });
    expect(await history.get(a.id)).toBeNull();
    expect(await indexOnDisk(URL_A)).toBeDefined();
    await handlers.deleteChat({ id: b.id });
    expect(await indexOnDisk(URL_A)).toBeUndefined();
  });

  test('stops the answer being written into it, and only that one', async () => {
    const answering = gate();
    const { ask, handlers, history, moveTo } = setup({ holdAnswer: answering.opened });
    const deleted = ask();
    moveTo(URL_B);
    const other = ask();
    for (const { events } of [deleted, other])
      await vi.waitFor(() => expect(events.some((e) => e.type === 'token')).toBe(true));
    const conversation = deleted.events.find((e) => e.type === 'conversation');
    if (conversation?.type !== 'conversation') throw new Error('no conversation event');

    await handlers.deleteChat({ id: conversation.conversation.id });
    answering.open();
    await expect(deleted.result).rejects.toMatchObject({ code: 'cancelled' });
    await expect(other.result).resolves.toMatchObject({ url: URL_B });
    expect(await history.get(conversation.conversation.id)).toBeNull();
  });

  test("clear all forgets the model's cache of every conversation", async () => {
    const { ask, handlers, forgotten, moveTo } = setup();
    const a = await ask().result;
    moveTo(URL_B);
    const b = await ask().result;
    await handlers.clearChats();
    expect(forgotten.sort()).toEqual([a.id, b.id].sort());
  });
});

describe('a store that rejects writes', () => {
  const quotaError = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

  test('a full disk says so, not "Something went wrong"', async () => {
    const { ask } = setup();
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw quotaError();
    });
    const failure = await ask().result.catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'disk-full', message: diskFull().message });
    // As the side panel gets it, across the port.
    const shown = fromErrorData(toErrorData(failure));
    expect(shown.code).toBe('disk-full');
    expect(shown.message).toMatch(/disk is full/);
    expect(shown.message).not.toMatch(/Something went wrong/);
  });

  /** From the `allowed`-th on, every write to the chat history's database fails as on a full disk. */
  const failHistoryWritesAfter = (allowed: number) => {
    const put = IDBObjectStore.prototype.put;
    const counted = { puts: 0 };
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
      if (this.transaction.db.name.startsWith('consistency-history') && ++counted.puts > allowed)
        throw quotaError();
      return put.apply(this, args);
    });
    return counted;
  };

  test('failed saves while streaming are no unhandled rejections, and the final one reports the disk', async () => {
    const { ask } = setup();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    // Every clock read is two seconds later, so every token triggers a throttled save.
    let clock = 0;
    vi.spyOn(Date, 'now').mockImplementation(() => (clock += 2_000));
    // The question and the empty answer are saved (a record and a summary each); then the disk is full.
    const history = failHistoryWritesAfter(4);
    try {
      await expect(ask().result).rejects.toMatchObject({ code: 'disk-full' });
      await settle();
      // Two throttled saves (one per token) and the final one were tried and failed.
      expect(history.puts).toBe(7);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test("a save failing after the model failed does not hide the model's error", async () => {
    const { ask } = setup({ modelFailure: new AppError('model-load', 'The model broke.') });
    const history = failHistoryWritesAfter(4);
    // The model fails after its first token; saving that token then fails too.
    await expect(ask().result).rejects.toMatchObject({ code: 'model-load', message: 'The model broke.' });
    expect(history.puts).toBe(5);
  });
});
