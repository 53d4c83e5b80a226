import { afterEach, describe, expect, test, vi } from 'vitest';
import type { Runtime } from 'webextension-polyfill';
import browser from 'webextension-polyfill';
import { serveOffscreenHost } from '../../../src/engine/backends/offscreen/host';
import {
  type HostEvent,
  OFFSCREEN_PORT,
  parseHostEvent,
  parseHostRequest,
} from '../../../src/engine/backends/offscreen/protocol';
import { TEST_TINY_LLAMA } from '../../../src/engine/registry';
import type { Backend, GenerateOptions, Session } from '../../../src/engine/types';
import { cancelled } from '../../../src/errors';
import { isServiceWorker } from '../../../src/protocol';
import { installFakePorts } from '../support/fake-ports';
import { popup, webPage } from '../support/senders';

const worker: Runtime.MessageSender = {
  id: 'test-extension-id',
  url: 'chrome-extension://test-extension-id/service-worker-loader.js',
};
const messages = [{ role: 'user', content: 'Summarize this.' }];

describe('offscreen port messages', () => {
  test.each([
    { kind: 'load', model: TEST_TINY_LLAMA, numThreads: 4 },
    { kind: 'generate', id: 0, messages, maxNewTokens: 64 },
    { kind: 'generate', id: 7, messages, maxNewTokens: 1, cacheKey: 'conversation-1' },
    { kind: 'stop', id: 7 },
    { kind: 'stopLoad' },
  ])('the host accepts $kind', (request) => {
    expect(parseHostRequest(request)).toEqual(request);
  });

  test.each([
    ['an unknown kind', { kind: 'eval', code: '1' }],
    ['no kind', { id: 1 }],
    ['not an object', 'load'],
    ['zero threads', { kind: 'load', model: TEST_TINY_LLAMA, numThreads: 0 }],
    ['a fractional thread count', { kind: 'load', model: TEST_TINY_LLAMA, numThreads: 1.5 }],
    ['a model without its facts', { kind: 'load', model: { id: 'x' }, numThreads: 2 }],
    ['an unknown tier', { kind: 'load', model: { ...TEST_TINY_LLAMA, tiers: ['cloud'] }, numThreads: 2 }],
    ['a negative id', { kind: 'generate', id: -1, messages, maxNewTokens: 8 }],
    ['no messages', { kind: 'generate', id: 1, messages: [], maxNewTokens: 8 }],
    [
      'a role of its own',
      { kind: 'generate', id: 1, messages: [{ role: 'tool', content: 'x' }], maxNewTokens: 8 },
    ],
    ['no tokens to write', { kind: 'generate', id: 1, messages, maxNewTokens: 0 }],
    ['an empty cache key', { kind: 'generate', id: 1, messages, maxNewTokens: 8, cacheKey: '' }],
    [
      'a prompt past any context',
      {
        kind: 'generate',
        id: 1,
        messages: [{ role: 'user', content: 'x'.repeat(1_000_001) }],
        maxNewTokens: 8,
      },
    ],
    ['a stop without an id', { kind: 'stop' }],
  ])('the host ignores %s', (_, request) => {
    expect(parseHostRequest(request)).toBeNull();
  });

  const result = {
    text: 'Done.',
    promptTokens: 10,
    reusedTokens: 0,
    newTokens: 2,
    timeToFirstTokenMs: 5,
    tokensPerSecond: 20,
  };
  test.each([
    { kind: 'ready' },
    {
      kind: 'progress',
      progress: { files: [{ name: 'onnx/model.onnx', loaded: 5, total: 10 }], loaded: 5, total: 10 },
    },
    { kind: 'loaded', model: TEST_TINY_LLAMA, state: { crossOriginIsolated: true, numThreads: 4 } },
    { kind: 'loadFailed', error: { name: 'AppError', message: 'No.', code: 'model-load' } },
    { kind: 'token', id: 3, text: 'Hel' },
    { kind: 'prefill', id: 3, done: 128, total: 300 },
    { kind: 'result', id: 3, result },
    { kind: 'error', id: 3, error: { name: 'AppError', message: 'Stopped.', code: 'cancelled' } },
  ])('the worker accepts $kind', (event) => {
    expect(parseHostEvent(event)).toEqual(event);
  });

  test.each([
    ['an unknown kind', { kind: 'navigate', url: 'https://evil.example/' }],
    ['a token without its request', { kind: 'token', text: 'x' }],
    ['a token that is not text', { kind: 'token', id: 1, text: 42 }],
    ['a result missing its counts', { kind: 'result', id: 1, result: { text: 'x' } }],
    ['negative progress', { kind: 'progress', progress: { files: [], loaded: -1, total: 10 } }],
    ['an error that is not an object', { kind: 'error', id: 1, error: 'boom' }],
    [
      'a state without its thread count',
      { kind: 'loaded', model: TEST_TINY_LLAMA, state: { crossOriginIsolated: true } },
    ],
  ])('the worker ignores %s', (_, event) => {
    expect(parseHostEvent(event)).toBeNull();
  });
});

describe('the host’s sender check', () => {
  test.each([
    ['this extension’s service worker', worker, true],
    ['an extension page', { ...popup, frameId: 0, documentId: 'ABC' }, false],
    ['an extension page without a document id', { ...popup, frameId: 0 }, false],
    ['a content script', webPage, false],
    [
      'another extension’s worker',
      { id: 'other', url: 'chrome-extension://other/service-worker-loader.js' },
      false,
    ],
    [
      'a worker URL outside the extension',
      { id: 'test-extension-id', url: 'https://evil.example/sw.js' },
      false,
    ],
  ])('%s', (_, sender, allowed) => {
    expect(isServiceWorker(sender as Runtime.MessageSender)).toBe(allowed);
  });
});

/**
 * A backend whose session writes two tokens, or waits for Stop when asked for a long answer. With
 * `holdLoads`, a load runs until its signal aborts, as a download that is not finished.
 */
function fakeBackend(): Backend & {
  threads: number[];
  signals: AbortSignal[];
  loadSignals: (AbortSignal | undefined)[];
  holdLoads: boolean;
} {
  const threads: number[] = [];
  const signals: AbortSignal[] = [];
  const loadSignals: (AbortSignal | undefined)[] = [];
  const session: Session = {
    model: TEST_TINY_LLAMA,
    countTokens: (text) => text.length,
    countPromptTokens: () => 1,
    async generate(_, options: GenerateOptions) {
      signals.push(options.signal);
      options.onPrefill?.(1, 2);
      options.onToken?.('Hel');
      if (options.maxNewTokens > 100) {
        await new Promise((resolve) => options.signal.addEventListener('abort', resolve));
        throw cancelled();
      }
      options.onToken?.('lo');
      return {
        text: 'Hello',
        promptTokens: 2,
        reusedTokens: 0,
        newTokens: 2,
        timeToFirstTokenMs: 1,
        tokensPerSecond: 9,
      };
    },
    dispose: async () => {},
  };
  const backend = {
    id: 'transformers-wasm' as const,
    threads,
    signals,
    loadSignals,
    holdLoads: false,
    availability: async () => 'available' as const,
    async load(_: unknown, onProgress: Parameters<Backend['load']>[1], signal?: AbortSignal) {
      loadSignals.push(signal);
      onProgress({
        files: [{ name: 'onnx/model_quantized.onnx', loaded: 1, total: 2 }],
        loaded: 1,
        total: 2,
      });
      if (backend.holdLoads) {
        await new Promise((resolve) => signal?.addEventListener('abort', resolve));
        throw cancelled();
      }
      return session;
    },
  };
  return backend;
}

/** Connects to the host; returns the events it sends and a way to wait for one. */
function connect() {
  const port = browser.runtime.connect({ name: OFFSCREEN_PORT });
  const events: HostEvent[] = [];
  let disconnected = false;
  port.onMessage.addListener((message: unknown) => {
    const event = parseHostEvent(message);
    if (event) events.push(event);
  });
  port.onDisconnect.addListener(() => {
    disconnected = true;
  });
  const next = (kind: HostEvent['kind']) =>
    vi.waitFor(() => {
      const event = events.find((candidate) => candidate.kind === kind);
      if (!event) throw new Error(`no ${kind} yet`);
      return event;
    });
  return { port, events, next, isDisconnected: () => disconnected };
}

describe('the offscreen host', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  /** Serves the host, with ports that reach it from `sender`. */
  const serve = (sender: Runtime.MessageSender) => {
    installFakePorts(sender);
    const backend = fakeBackend();
    serveOffscreenHost({
      createBackend: (numThreads) => {
        backend.threads.push(numThreads);
        return backend;
      },
      threadsInUse: () => backend.threads.at(-1) ?? 1,
    });
    return backend;
  };

  test('turns away a port from an extension page', async () => {
    vi.stubGlobal('crossOriginIsolated', true);
    const backend = serve({ ...popup, frameId: 0, documentId: 'ABC' });
    const host = connect();
    host.port.postMessage({ kind: 'load', model: TEST_TINY_LLAMA, numThreads: 2 });
    await vi.waitFor(() => expect(host.isDisconnected()).toBe(true));
    expect(host.events).toEqual([]);
    expect(backend.threads).toEqual([]);
  });

  test('loads with progress on the threads asked for, streams a generation, and stops one', async () => {
    vi.stubGlobal('crossOriginIsolated', true);
    const backend = serve(worker);
    const host = connect();
    await host.next('ready');
    host.port.postMessage({ kind: 'load', model: TEST_TINY_LLAMA, numThreads: 3 });
    expect(await host.next('loaded')).toMatchObject({ state: { crossOriginIsolated: true, numThreads: 3 } });
    expect(host.events.find((event) => event.kind === 'progress')).toMatchObject({ progress: { loaded: 1 } });
    expect(backend.threads).toEqual([3]);

    host.port.postMessage({ kind: 'generate', id: 1, messages, maxNewTokens: 8 });
    expect(await host.next('result')).toMatchObject({ id: 1, result: { text: 'Hello' } });
    const streamed = host.events.filter((event) => event.kind === 'token' && event.id === 1);
    expect(streamed.map((event) => (event.kind === 'token' ? event.text : ''))).toEqual(['Hel', 'lo']);
    expect(host.events).toContainEqual({ kind: 'prefill', id: 1, done: 1, total: 2 });

    host.port.postMessage({ kind: 'generate', id: 2, messages, maxNewTokens: 500 });
    await vi.waitFor(() => expect(backend.signals).toHaveLength(2));
    host.port.postMessage({ kind: 'stop', id: 2 });
    expect(await host.next('error')).toMatchObject({ id: 2, error: { code: 'cancelled' } });
    expect(backend.signals[1]?.aborted).toBe(true);

    // Loading again (a new worker, or the next request) reuses the loaded model.
    host.port.postMessage({ kind: 'load', model: TEST_TINY_LLAMA, numThreads: 3 });
    await vi.waitFor(() => expect(host.events.filter((event) => event.kind === 'loaded')).toHaveLength(2));
    expect(backend.threads).toEqual([3]);
  });

  test('a worker that goes away stops what it asked for', async () => {
    vi.stubGlobal('crossOriginIsolated', true);
    const backend = serve(worker);
    const host = connect();
    host.port.postMessage({ kind: 'load', model: TEST_TINY_LLAMA, numThreads: 2 });
    await host.next('loaded');
    host.port.postMessage({ kind: 'generate', id: 1, messages, maxNewTokens: 500 });
    await vi.waitFor(() => expect(backend.signals).toHaveLength(1));
    host.port.disconnect();
    await vi.waitFor(() => expect(backend.signals[0]?.aborted).toBe(true));
  });

  test('stopLoad ends the load in progress (its download), and the next load starts again', async () => {
    vi.stubGlobal('crossOriginIsolated', true);
    const backend = serve(worker);
    backend.holdLoads = true;
    const host = connect();
    host.port.postMessage({ kind: 'load', model: TEST_TINY_LLAMA, numThreads: 2 });
    await vi.waitFor(() => expect(backend.loadSignals).toHaveLength(1));
    expect(backend.loadSignals[0]?.aborted).toBe(false);
    host.port.postMessage({ kind: 'stopLoad' });
    expect(await host.next('loadFailed')).toMatchObject({ error: { code: 'cancelled' } });
    expect(backend.loadSignals[0]?.aborted).toBe(true);

    backend.holdLoads = false;
    host.port.postMessage({ kind: 'load', model: TEST_TINY_LLAMA, numThreads: 2 });
    await host.next('loaded');
    expect(backend.loadSignals).toHaveLength(2);
    expect(backend.loadSignals[1]?.aborted).toBe(false);
  });

  test('fails its load with a clear error where the page is not cross-origin isolated', async () => {
    vi.stubGlobal('crossOriginIsolated', false);
    const backend = serve(worker);
    const host = connect();
    host.port.postMessage({ kind: 'load', model: TEST_TINY_LLAMA, numThreads: 2 });
    expect(await host.next('loadFailed')).toMatchObject({
      error: { code: 'model-load', message: expect.stringMatching(/not cross-origin isolated/) },
    });
    expect(backend.threads).toEqual([]);
  });
});
