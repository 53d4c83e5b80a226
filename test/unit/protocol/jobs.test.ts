import { fakeBrowser } from '@webext-core/fake-browser';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createEngine } from '../../../src/engine/engine';
import { TEST_TINY_LLAMA } from '../../../src/engine/registry';
import type { Session } from '../../../src/engine/types';
import {
  attachStream,
  type Conversation,
  isExtensionPage,
  onStreams,
  openStream,
  type StreamContext,
  type StreamEvent,
  type SummaryResult,
} from '../../../src/protocol';
import { appendToLog } from '../../../src/protocol/jobs';
import { installFakePorts } from '../support/fake-ports';
import { popup, summaryResult as result } from '../support/senders';

/** A summarize handler that streams what it is told to and finishes when the test says so. */
function controlledSummarize() {
  let context: StreamContext | undefined;
  let finish: (() => void) | undefined;
  const summarize = vi.fn(
    (_: unknown, ctx: StreamContext) =>
      new Promise<SummaryResult>((resolve, reject) => {
        context = ctx;
        finish = () => resolve(result);
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
      }),
  );
  return {
    summarize,
    emit: (event: StreamEvent) => context?.emit(event),
    signal: () => context?.signal,
    finish: () => finish?.(),
    started: () => vi.waitFor(() => expect(context).toBeDefined()),
  };
}

function serve(summarize: ReturnType<typeof controlledSummarize>['summarize']) {
  const ports = installFakePorts(popup);
  onStreams({ summarize, chat: vi.fn() } as unknown as Parameters<typeof onStreams>[0], isExtensionPage);
  return ports;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('jobs', () => {
  test('a job outlives its client; a new client attaches and gets the events so far, then the rest', async () => {
    const job = controlledSummarize();
    const { serverPorts } = serve(job.summarize);
    openStream('summarize', { tabId: 1, length: 'brief' }, () => {}).result.catch(() => {});
    await job.started();
    job.emit({ type: 'stage', stage: 'generating' });
    job.emit({ type: 'token', text: 'Har' });
    job.emit({ type: 'token', text: 'bour' });
    // The popup closes.
    serverPorts[0]?.peer.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(job.signal()?.aborted).toBe(false);

    const seen: StreamEvent[] = [];
    const again = attachStream('summarize', 1, (event) => seen.push(event));
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    expect(seen).toEqual([
      { type: 'stage', stage: 'generating' },
      { type: 'token', text: 'Harbour' },
    ]);
    job.emit({ type: 'token', text: ' walls' });
    job.finish();
    await expect(again.result).resolves.toEqual(result);
    expect(seen.at(-1)).toEqual({ type: 'token', text: ' walls' });
  });

  test('attaching where nothing runs settles with null', async () => {
    serve(controlledSummarize().summarize);
    await expect(attachStream('summarize', 4, () => {}).result).resolves.toBeNull();
  });

  test('attaching just after a job ended gets its events and its end, not idle; a while later, idle', async () => {
    const job = controlledSummarize();
    serve(job.summarize);
    const first = openStream('summarize', { tabId: 1, length: 'brief' }, () => {});
    await job.started();
    job.emit({ type: 'token', text: 'Harbour' });
    job.finish();
    await first.result;
    const seen: StreamEvent[] = [];
    await expect(attachStream('summarize', 1, (event) => seen.push(event)).result).resolves.toEqual(result);
    expect(seen).toEqual([{ type: 'token', text: 'Harbour' }]);

    vi.useFakeTimers({ now: Date.now() + 60_000, toFake: ['Date'] });
    await expect(attachStream('summarize', 1, () => {}).result).resolves.toBeNull();
  });

  test('Stop from an attached client stops the job for every client', async () => {
    const job = controlledSummarize();
    serve(job.summarize);
    const first = openStream('summarize', { tabId: 1, length: 'brief' }, () => {});
    await job.started();
    const second = attachStream('summarize', 1, () => {});
    await new Promise((resolve) => setTimeout(resolve, 5));
    second.stop();
    await expect(first.result).rejects.toMatchObject({ code: 'cancelled' });
    await expect(second.result).rejects.toMatchObject({ code: 'cancelled' });
    expect(job.signal()?.aborted).toBe(true);
  });

  test('a new request of the same kind for the tab replaces the running one', async () => {
    const job = controlledSummarize();
    serve(job.summarize);
    const first = openStream('summarize', { tabId: 1, length: 'brief' }, () => {});
    await job.started();
    const firstSignal = job.signal();
    openStream('summarize', { tabId: 1, length: 'detailed' }, () => {}).result.catch(() => {});
    await expect(first.result).rejects.toMatchObject({ code: 'cancelled' });
    expect(firstSignal?.aborted).toBe(true);
    expect(job.summarize).toHaveBeenCalledTimes(2);
  });

  test.each([
    ['closing the tab', 'close', true],
    ['moving to another page', 'https://example.org/other', true],
    ['following a link within the page', 'https://example.org/harbour#history', false],
  ])('%s stops its job: %s', async (_, change, stops) => {
    const tab = await fakeBrowser.tabs.create({ url: 'https://example.org/harbour' });
    const tabId = tab.id as number;
    const job = controlledSummarize();
    serve(job.summarize);
    const stream = openStream('summarize', { tabId, length: 'brief' }, () => {});
    stream.result.catch(() => {});
    await job.started();
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (change === 'close')
      await fakeBrowser.tabs.onRemoved.trigger(tabId, { windowId: 0, isWindowClosing: false });
    else await fakeBrowser.tabs.onUpdated.trigger(tabId, { url: change }, { ...tab, url: change });
    expect(job.signal()?.aborted).toBe(stops);
  });

  test("a move reported before the worker knows the job's first page still stops the job", async () => {
    const tab = await fakeBrowser.tabs.create({ url: 'https://example.org/harbour' });
    const tabId = tab.id as number;
    // The tab's URL is answered late: the navigation event overtakes it.
    let answer!: () => void;
    vi.spyOn(fakeBrowser.tabs, 'get').mockReturnValueOnce(
      new Promise((resolve) => {
        answer = () => resolve(tab);
      }) as never,
    );
    const job = controlledSummarize();
    serve(job.summarize);
    openStream('summarize', { tabId, length: 'brief' }, () => {}).result.catch(() => {});
    await job.started();
    const other = 'https://example.org/other';
    await fakeBrowser.tabs.onUpdated.trigger(tabId, { url: other }, { ...tab, url: other });
    answer();
    await vi.waitFor(() => expect(job.signal()?.aborted).toBe(true));
  });

  test('a running job keeps the worker (Firefox: the background page) awake, and nothing does once it ends', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const ping = vi.spyOn(fakeBrowser.runtime, 'getPlatformInfo').mockResolvedValue({} as never);
    const job = controlledSummarize();
    serve(job.summarize);
    const stream = openStream('summarize', { tabId: 1, length: 'brief' }, () => {});
    await job.started();
    // At its start (Firefox may be about to suspend a background idle until then), then every 500 ms: within
    // Chrome's 30 s and Firefox's idle timeout (30 s, 1 s in the Firefox lifetime test).
    await vi.waitFor(() => expect(ping).toHaveBeenCalledTimes(1));
    vi.advanceTimersByTime(1_600);
    await vi.waitFor(() => expect(ping).toHaveBeenCalledTimes(4));
    job.finish();
    await stream.result;
    const atEnd = ping.mock.calls.length;
    vi.advanceTimersByTime(61_000);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(ping).toHaveBeenCalledTimes(atEnd);
  });

  test("a job's events keep the background awake too, at most every 250 ms", async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const ping = vi.spyOn(fakeBrowser.runtime, 'getPlatformInfo').mockResolvedValue({} as never);
    const job = controlledSummarize();
    serve(job.summarize);
    const stream = openStream('summarize', { tabId: 1, length: 'brief' }, () => {});
    await job.started();
    await vi.waitFor(() => expect(ping).toHaveBeenCalledTimes(1));
    // Tokens 100 ms apart, with no interval tick between them (the clock moves, the interval is not run).
    for (let i = 0; i < 10; i++) {
      vi.setSystemTime(Date.now() + 100);
      job.emit({ type: 'token', text: 'a ' });
    }
    // 1 s of tokens: a ping every 250 ms or more, not one per token.
    await vi.waitFor(() => expect(ping.mock.calls.length).toBeGreaterThanOrEqual(4));
    expect(ping.mock.calls.length).toBeLessThanOrEqual(5);
    job.finish();
    await stream.result;
  });
});

describe('appendToLog', () => {
  test('keeps the text whole and only the latest stage and progress', () => {
    const log: StreamEvent[] = [];
    const progress = (loaded: number) => ({ files: [], loaded, total: 100 });
    for (const event of [
      { type: 'stage', stage: 'loading' },
      { type: 'modelProgress', progress: progress(10) },
      { type: 'modelProgress', progress: progress(90) },
      { type: 'stage', stage: 'generating', part: { index: 1, count: 2 } },
      { type: 'promptProgress', done: 128, total: 400 },
      { type: 'promptProgress', done: 256, total: 400 },
      { type: 'stage', stage: 'generating' },
      { type: 'token', text: 'The ' },
      { type: 'token', text: 'harbour' },
    ] as StreamEvent[]) {
      appendToLog(log, event);
    }
    expect(log).toEqual([
      { type: 'stage', stage: 'generating' },
      { type: 'token', text: 'The harbour' },
    ]);
  });
});

describe('the queue, seen from a waiting job', () => {
  test('says what the engine is busy with, and follows its parts', async () => {
    const engine = createEngine(
      { id: 'transformers-node', availability: async () => 'available', load: async () => ({}) as Session },
      TEST_TINY_LLAMA,
    );
    let nextPart!: () => void;
    const parts = (ctx: StreamContext) =>
      engine.run(
        async () => {
          ctx.emit({ type: 'stage', stage: 'generating', part: { index: 1, count: 3 } });
          await new Promise<void>((resolve) => (nextPart = resolve));
          ctx.emit({ type: 'stage', stage: 'generating', part: { index: 2, count: 3 } });
          await new Promise<void>((resolve) => (nextPart = resolve));
          return result;
        },
        { signal: ctx.signal, ...ctx.queue },
      );
    const answer = (ctx: StreamContext) =>
      engine.run(async () => ({ id: 'c1' }) as Conversation, { signal: ctx.signal, ...ctx.queue });
    installFakePorts(popup);
    onStreams(
      { summarize: (_, ctx) => parts(ctx), chat: (_, ctx) => answer(ctx) } as Parameters<typeof onStreams>[0],
      isExtensionPage,
    );
    const summary = openStream('summarize', { tabId: 1, length: 'brief' }, () => {});
    await vi.waitFor(() => expect(nextPart).toBeDefined());
    const seen: StreamEvent[] = [];
    const chat = openStream(
      'chat',
      { tabId: 2, conversationId: null, question: 'Why?', selection: null, preset: null, regenerate: false },
      (event) => seen.push(event),
    );
    const waiting = () => seen.filter((event) => event.type === 'waiting');
    await vi.waitFor(() => expect(waiting()).toHaveLength(1));
    expect(waiting()[0]).toEqual({
      type: 'waiting',
      ahead: { kind: 'summarize', sameTab: false, part: { index: 1, count: 3 } },
    });
    nextPart();
    await vi.waitFor(() => expect(waiting()).toHaveLength(2));
    expect(waiting()[1]).toMatchObject({ ahead: { part: { index: 2, count: 3 } } });
    nextPart();
    await expect(summary.result).resolves.toEqual(result);
    await expect(chat.result).resolves.toEqual({ id: 'c1' });
  });
});

describe('stopping jobs by what they are about', () => {
  test('stopWhere stops the chats it picks by request or events, and nothing else', async () => {
    installFakePorts(popup);
    const signals = new Map<number, AbortSignal>();
    const contexts = new Map<number, StreamContext>();
    const hold = (data: { tabId: number }, ctx: StreamContext) =>
      new Promise<never>((_resolve, reject) => {
        signals.set(data.tabId, ctx.signal);
        contexts.set(data.tabId, ctx);
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
      });
    const server = onStreams(
      { summarize: hold, chat: hold } as unknown as Parameters<typeof onStreams>[0],
      isExtensionPage,
    );
    const chat = (tabId: number, conversationId: string | null) =>
      openStream(
        'chat',
        { tabId, conversationId, question: 'Why?', selection: null, preset: null, regenerate: false },
        () => {},
      ).result.catch(() => {});
    chat(1, 'c1');
    chat(2, null);
    chat(3, 'c3');
    await vi.waitFor(() => expect(signals.size).toBe(3));
    // Tab 2's new chat learns its id when its question is saved.
    const conversation = { id: 'c1', url: 'u', title: 't', createdAt: 0, updatedAt: 0, messages: [] };
    contexts.get(2)?.emit({ type: 'conversation', conversation });

    server.stopWhere(
      'chat',
      ({ data, events }) =>
        data.conversationId === 'c1' ||
        events.some((e) => e.type === 'conversation' && e.conversation.id === 'c1'),
    );
    expect([1, 2, 3].map((tabId) => signals.get(tabId)?.aborted)).toEqual([true, true, false]);
  });
});

describe('stopping every job of a kind', () => {
  test('stopAll stops the chats of every tab and leaves summaries running', async () => {
    installFakePorts(popup);
    const signals: { name: string; signal: AbortSignal }[] = [];
    const hold = (name: string) => (_: unknown, ctx: StreamContext) =>
      new Promise<never>((_resolve, reject) => {
        signals.push({ name, signal: ctx.signal });
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
      });
    const server = onStreams(
      { summarize: hold('summarize'), chat: hold('chat') } as unknown as Parameters<typeof onStreams>[0],
      isExtensionPage,
    );
    const chat = (tabId: number) =>
      openStream(
        'chat',
        { tabId, conversationId: null, question: 'Why?', selection: null, preset: null, regenerate: false },
        () => {},
      );
    const chats = [chat(1), chat(2)];
    const summary = openStream('summarize', { tabId: 1, length: 'brief' }, () => {});
    summary.result.catch(() => {});
    await vi.waitFor(() => expect(signals).toHaveLength(3));

    server.stopAll('chat');
    for (const { result } of chats) await expect(result).rejects.toMatchObject({ code: 'cancelled' });
    expect(signals.filter((s) => s.name === 'chat').every((s) => s.signal.aborted)).toBe(true);
    expect(signals.find((s) => s.name === 'summarize')?.signal.aborted).toBe(false);
    expect(server.isRunning('summarize', 1)).toBe(true);
    await vi.waitFor(() => expect(server.isRunning('chat', 1) || server.isRunning('chat', 2)).toBe(false));
  });
});
