import { fakeBrowser } from '@webext-core/fake-browser';
import { describe, expect, test, vi } from 'vitest';
import type { Runtime } from 'webextension-polyfill';
import { AppError } from '../../src/errors';
import {
  isExtensionPage,
  isFromExtension,
  onRequests,
  onStreams,
  openStream,
  type StreamEvent,
  sendToWorker,
  type WorkerAnswers,
  workerRequests,
} from '../../src/protocol';
import { installFakePorts } from './support/fake-ports';
import { popup, summaryResult as result, webPage } from './support/senders';

/** Routes sendMessage to the registered onMessage listeners as the browser would, with a given sender. */
function routeMessages(sender: Runtime.MessageSender) {
  vi.spyOn(fakeBrowser.runtime, 'sendMessage').mockImplementation((async (message: unknown) => {
    const answers = await fakeBrowser.runtime.onMessage.trigger(message, sender as never, () => {});
    const answer = answers.find((a) => a !== undefined);
    if (answer === undefined)
      throw new Error('Could not establish connection. Receiving end does not exist.');
    return answer;
  }) as never);
}

/** Every worker handler, as a mock unless the test gives its own. */
const workerHandlers = (overrides: Record<string, unknown>) =>
  Object.fromEntries(
    Object.keys(workerRequests).map((name) => [name, overrides[name] ?? vi.fn()]),
  ) as unknown as Parameters<typeof onRequests<typeof workerRequests, WorkerAnswers>>[1];

const streamHandlers = (overrides: Partial<Parameters<typeof onStreams>[0]>) =>
  ({ summarize: vi.fn(), chat: vi.fn(), ...overrides }) as Parameters<typeof onStreams>[0];

describe('requests', () => {
  test('a valid request from an extension page gets its handler’s answer', async () => {
    routeMessages(popup);
    const getTabSummary = vi.fn(async () => result);
    onRequests(workerRequests, workerHandlers({ getTabSummary }), isExtensionPage);
    await expect(sendToWorker('getTabSummary', { tabId: 7 })).resolves.toEqual(result);
    expect(getTabSummary).toHaveBeenCalledWith({ tabId: 7 }, popup);
  });

  test('a handler’s error is thrown again at the sender, with its code', async () => {
    routeMessages(popup);
    onRequests(
      workerRequests,
      workerHandlers({
        getTabSummary: () => {
          throw new AppError('unreadable-page', 'Cannot read this page.');
        },
      }),
      isExtensionPage,
    );
    const error = await sendToWorker('getTabSummary', { tabId: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'unreadable-page', message: 'Cannot read this page.' });
  });

  test.each([
    ['a negative tab id', { tabId: -1 }],
    ['a string tab id', { tabId: '7' }],
    ['no data', undefined],
  ])('a malformed payload (%s) is rejected before the handler runs', async (_, data) => {
    const getTabSummary = vi.fn();
    onRequests(workerRequests, workerHandlers({ getTabSummary }), isExtensionPage);
    const [answer] = await fakeBrowser.runtime.onMessage.trigger(
      { protocol: 'pagewise/1', name: 'getTabSummary', data },
      popup as never,
      () => {},
    );
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid-message' } });
    expect(getTabSummary).not.toHaveBeenCalled();
  });

  test.each([
    ['a web page', webPage, { protocol: 'pagewise/1', name: 'getTabSummary', data: { tabId: 1 } }],
    [
      'another extension',
      { ...popup, id: 'other' },
      { protocol: 'pagewise/1', name: 'getTabSummary', data: { tabId: 1 } },
    ],
    ['an unknown name', popup, { protocol: 'pagewise/1', name: 'deleteEverything', data: {} }],
    ['another protocol', popup, { type: 'getTabSummary', tabId: 1 }],
  ])('a message from %s is ignored', async (_, sender, message) => {
    const getTabSummary = vi.fn();
    onRequests(workerRequests, workerHandlers({ getTabSummary }), isExtensionPage);
    const [answer] = await fakeBrowser.runtime.onMessage.trigger(message, sender as never, () => {});
    expect(answer).toBeUndefined();
    expect(getTabSummary).not.toHaveBeenCalled();
  });

  test('no receiver becomes a message the user can act on', async () => {
    routeMessages(popup);
    await expect(sendToWorker('getTabSummary', { tabId: 1 })).rejects.toMatchObject({
      code: 'page-unreachable',
    });
  });
});

describe('sender checks', () => {
  test.each([
    [popup, true, true],
    [{ ...popup, tab: webPage.tab }, true, true],
    [webPage, false, true],
    [{ ...popup, id: 'other' }, false, false],
    [{ id: 'test-extension-id' }, false, true],
  ])('%o: extension page %s, from extension %s', (sender, page, extension) => {
    expect(isExtensionPage(sender)).toBe(page);
    expect(isFromExtension(sender)).toBe(extension);
  });
});

describe('streams', () => {
  test('events arrive in order and the result settles the stream', async () => {
    installFakePorts(popup);
    onStreams(
      streamHandlers({
        summarize: async (data, { emit }) => {
          emit({ type: 'stage', stage: 'generating' });
          emit({ type: 'token', text: 'Do' });
          emit({ type: 'token', text: 'ne.' });
          return { ...result, length: data.length };
        },
      }),
      isExtensionPage,
    );
    const events: StreamEvent[] = [];
    const stream = openStream('summarize', { tabId: 1, length: 'brief' }, (e) => events.push(e));
    await expect(stream.result).resolves.toEqual(result);
    expect(events).toEqual([
      { type: 'stage', stage: 'generating' },
      { type: 'token', text: 'Do' },
      { type: 'token', text: 'ne.' },
    ]);
  });

  test('Stop aborts the handler and settles as a cancellation', async () => {
    installFakePorts(popup);
    let signal: AbortSignal | undefined;
    onStreams(
      streamHandlers({
        summarize: (_, context) => {
          signal = context.signal;
          context.emit({ type: 'token', text: 'a' });
          return new Promise((_, reject) =>
            context.signal.addEventListener('abort', () => reject(context.signal.reason)),
          );
        },
      }),
      isExtensionPage,
    );
    const stream = openStream('summarize', { tabId: 1, length: 'brief' }, () => stream.stop());
    await expect(stream.result).rejects.toMatchObject({ code: 'cancelled' });
    expect(signal?.aborted).toBe(true);
  });

  test('the worker going away rejects the stream instead of hanging', async () => {
    const { serverPorts } = installFakePorts(popup);
    onStreams(streamHandlers({ summarize: () => new Promise(() => {}) }), isExtensionPage);
    const stream = openStream('summarize', { tabId: 1, length: 'brief' }, () => {});
    await vi.waitFor(() => expect(serverPorts).toHaveLength(1));
    serverPorts[0]?.disconnect();
    await expect(stream.result).rejects.toMatchObject({ code: 'worker-stopped' });
  });

  test('a malformed start is answered with an error', async () => {
    installFakePorts(popup);
    const summarize = vi.fn();
    onStreams(streamHandlers({ summarize }), isExtensionPage);
    const stream = openStream('summarize', { tabId: 1, length: 'endless' as 'brief' }, () => {});
    await expect(stream.result).rejects.toMatchObject({ code: 'invalid-message' });
    expect(summarize).not.toHaveBeenCalled();
  });

  test('a port from a web page is disconnected unheard', async () => {
    installFakePorts(webPage);
    const summarize = vi.fn();
    onStreams(streamHandlers({ summarize }), isExtensionPage);
    const stream = openStream('summarize', { tabId: 1, length: 'brief' }, () => {});
    await expect(stream.result).rejects.toMatchObject({ code: 'worker-stopped' });
    expect(summarize).not.toHaveBeenCalled();
  });
});
