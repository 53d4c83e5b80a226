import 'fake-indexeddb/auto';
import { fakeBrowser } from '@webext-core/fake-browser';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { Runtime } from 'webextension-polyfill';
import { createHistoryStore, newConversation } from '../../../src/chat/history';
import { fromErrorData } from '../../../src/errors';
import {
  isExtensionPage,
  onRequests,
  onStreams,
  PROTOCOL,
  streamRequests,
  type WorkerAnswers,
  workerRequests,
} from '../../../src/protocol';
import { PORT_PREFIX, type PortMessage } from '../../../src/protocol/streams';
import {
  fuzzRuns,
  type MalformedKind,
  type MalformedStreamKind,
  malformedRequest,
  malformedStreamTraffic,
  PORT_PREFIX as SPELLED_OUT_PREFIX,
  tally,
} from '../../support/malformed-messages';
import { otherExtensionSender, popup, summaryResult, webPage, webPageSender } from '../support/senders';

/*
 * Fuzzing the worker's two entry points, as registered by the real onRequests and onStreams: thousands of
 * malformed messages (PAGEWISE_FUZZ_RUNS, 10,000 by default; `npm run fuzz` sends 100,000). Nothing may be
 * thrown or left unhandled, no handler may see a malformed payload, every reply must be an `invalid-message`
 * error, and the worker must serve a real request afterwards.
 */

const RUNS = fuzzRuns();
/** Generous: 100,000 messages on a busy 2-core machine. */
const TIMEOUT_MS = 60_000 + RUNS * 5;

const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);
beforeEach(() => {
  uncaught.length = 0;
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
});
afterEach(() => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
});

/**
 * Senders that must be ignored: our content script in a web page, a web page itself, another extension, no
 * URL, a lookalike URL.
 */
const foreignSender: fc.Arbitrary<Runtime.MessageSender> = fc.oneof(
  fc.constant(webPage),
  webPageSender,
  otherExtensionSender,
  fc.record({ id: fc.string({ maxLength: 32 }), url: fc.webUrl() }),
  fc.record({ id: fc.constant('test-extension-id') }),
  fc.record({
    id: fc.constant('test-extension-id'),
    url: fc.constantFrom('chrome-extension://other-extension/popup/index.html', 'https://test-extension-id/'),
  }),
);

/** Valid requests, to send from foreign senders. */
const validRequest = fc.constantFrom(
  { protocol: PROTOCOL, name: 'listChats', data: {} },
  { protocol: PROTOCOL, name: 'clearChats', data: {} },
  { protocol: PROTOCOL, name: 'getTabSummary', data: { tabId: 1 } },
  { protocol: PROTOCOL, name: 'showSource', data: { tabId: 1, text: 'x' } },
);

describe('worker requests (onRequests)', () => {
  test(`${RUNS} malformed requests: each ignored or answered invalid-message; then a real request works`, {
    timeout: TIMEOUT_MS,
  }, async () => {
    const history = createHistoryStore({ dbName: 'fuzz-history' });
    await history.save(newConversation({ url: 'https://example.org/', title: 'Kept' }));
    const mocks = {
      getTabSummary: vi.fn(async () => ({ summary: summaryResult, running: false })),
      getTabReadability: vi.fn(async () => ({ unreadable: null })),
      getModelStatus: vi.fn(),
      getChat: vi.fn(),
      takePendingAsk: vi.fn(async () => null),
      showSource: vi.fn(async () => true),
    };
    const clearChats = vi.fn(() => history.clear());
    const handlers = {
      ...mocks,
      listChats: () => history.list(),
      openChat: ({ id }: { id: string }) => history.get(id),
      deleteChat: ({ id }: { id: string }) => history.delete(id),
      clearChats,
    } as unknown as Parameters<typeof onRequests<typeof workerRequests, WorkerAnswers>>[1];
    onRequests(workerRequests, handlers, isExtensionPage);
    const send = async (message: unknown, sender: Runtime.MessageSender = popup) =>
      (await fakeBrowser.runtime.onMessage.trigger(message, sender as never, () => {})).find(
        (answer) => answer !== undefined,
      ) as { ok: boolean; value?: unknown; error?: Record<string, unknown> } | undefined;

    const sent = tally<MalformedKind>();
    await fc.assert(
      fc.asyncProperty(malformedRequest(workerRequests), async ({ kind, message }) => {
        sent.add(kind);
        const reply = await send(message);
        if (kind === 'bad-payload') {
          expect(reply?.ok).toBe(false);
          const error = fromErrorData(reply?.error as never);
          expect(error.code).toBe('invalid-message');
          expect(error.message).toMatch(/^Malformed ".+" request\.$/);
        } else {
          // Not ours (another protocol, no envelope, a name we do not serve): left for other listeners.
          expect(reply).toBeUndefined();
        }
      }),
      { numRuns: RUNS },
    );
    const foreign = Math.max(1, Math.floor(RUNS / 10));
    await fc.assert(
      fc.asyncProperty(validRequest, foreignSender, async (message, sender) => {
        expect(await send(message, sender)).toBeUndefined();
      }),
      { numRuns: foreign },
    );
    console.log(
      `[fuzz] worker requests: ${sent.total()} malformed (${sent.line()}), ${foreign} from foreign senders`,
    );

    expect(sent.total()).toBe(RUNS);
    for (const mock of [...Object.values(mocks), clearChats]) expect(mock).not.toHaveBeenCalled();
    expect(uncaught).toEqual([]);
    // The worker still serves: the chat saved before the fuzz is listed.
    const listed = await send({ protocol: PROTOCOL, name: 'listChats', data: {} });
    expect(listed).toMatchObject({ ok: true, value: [{ title: 'Kept' }] });
    await expect(send({ protocol: PROTOCOL, name: 'getTabSummary', data: { tabId: 3 } })).resolves.toEqual({
      ok: true,
      value: { summary: summaryResult, running: false },
    });
    history.close();
  });
});

/** A port whose messages arrive at once, so a hundred thousand of them take seconds, not minutes. */
function syncPort(name: string, sender: Runtime.MessageSender) {
  const received: PortMessage[] = [];
  let disconnected = false;
  const onMessage: ((message: unknown, port: Runtime.Port) => void)[] = [];
  const onDisconnect: ((port: Runtime.Port) => void)[] = [];
  const port = {
    name,
    sender,
    postMessage: (message: unknown) => void received.push(structuredClone(message) as PortMessage),
    disconnect: () => {
      disconnected = true;
    },
    onMessage: {
      addListener: (l: (typeof onMessage)[number]) => void onMessage.push(l),
      removeListener: () => {},
      hasListener: () => false,
    },
    onDisconnect: {
      addListener: (l: (typeof onDisconnect)[number]) => void onDisconnect.push(l),
      removeListener: () => {},
      hasListener: () => false,
    },
  } as unknown as Runtime.Port;
  return {
    port,
    received,
    disconnected: () => disconnected,
    send: (message: unknown) => {
      for (const listener of onMessage) listener(message, port);
    },
    close: () => {
      for (const listener of onDisconnect) listener(port);
    },
  };
}

describe('stream starts (onStreams)', () => {
  test('the fuzz generators use the real port prefix', () => {
    expect(SPELLED_OUT_PREFIX).toBe(PORT_PREFIX);
  });

  test(`${RUNS} malformed stream messages: none starts a job, a bad start is answered invalid-message; then a real one runs`, {
    timeout: TIMEOUT_MS,
  }, async () => {
    let connect: ((port: Runtime.Port) => void) | undefined;
    vi.spyOn(fakeBrowser.runtime.onConnect, 'addListener').mockImplementation(((l: typeof connect) => {
      connect = l;
    }) as never);
    const summarize = vi.fn(async () => summaryResult);
    const chat = vi.fn();
    const server = onStreams(
      { summarize, chat } as unknown as Parameters<typeof onStreams>[0],
      isExtensionPage,
    );
    const open = (name: string, sender: Runtime.MessageSender = popup) => {
      const client = syncPort(name, sender);
      connect?.(client.port);
      return client;
    };

    const sent = tally<MalformedStreamKind>();
    fc.assert(
      fc.property(malformedStreamTraffic(streamRequests), ({ kind, portName, message }) => {
        sent.add(kind);
        const client = open(portName);
        client.send(message);
        if (kind === 'port-name') {
          // A port of ours with a name we do not serve is closed; anyone else's is left alone.
          expect(client.disconnected()).toBe(portName.startsWith(PORT_PREFIX));
          expect(client.received).toEqual([]);
        } else if (kind === 'bad-start') {
          expect(client.received).toHaveLength(1);
          const [reply] = client.received;
          expect(reply?.kind).toBe('error');
          if (reply?.kind === 'error') expect(fromErrorData(reply.error).code).toBe('invalid-message');
        } else {
          // Junk, or an attach to no valid tab: ignored, the port left to close.
          expect(client.received).toEqual([]);
        }
        client.close();
      }),
      { numRuns: RUNS },
    );
    const foreign = Math.max(1, Math.floor(RUNS / 10));
    fc.assert(
      fc.property(fc.constantFrom('summarize', 'chat'), foreignSender, (name, sender) => {
        const client = open(PORT_PREFIX + name, sender);
        client.send({ kind: 'start', data: { tabId: 1, length: 'brief' } });
        expect(client.disconnected()).toBe(true);
        expect(client.received).toEqual([]);
      }),
      { numRuns: foreign },
    );
    console.log(
      `[fuzz] stream starts: ${sent.total()} malformed (${sent.line()}), ${foreign} from foreign senders`,
    );

    expect(sent.total()).toBe(RUNS);
    expect(summarize).not.toHaveBeenCalled();
    expect(chat).not.toHaveBeenCalled();
    expect(server.isRunning('summarize', 1)).toBe(false);
    expect(uncaught).toEqual([]);

    // The worker still serves a real summary.
    const client = open(`${PORT_PREFIX}summarize`);
    client.send({ kind: 'start', data: { tabId: 1, length: 'brief' } });
    await vi.waitFor(() => expect(client.received).toEqual([{ kind: 'done', result: summaryResult }]));
    expect(summarize).toHaveBeenCalledTimes(1);
  });
});
