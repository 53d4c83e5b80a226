import { fakeBrowser } from '@webext-core/fake-browser';
import { describe, expect, test, vi } from 'vitest';
import type { Runtime } from 'webextension-polyfill';
import {
  createWorkerClient,
  isExtensionPage,
  onRequests,
  onStreams,
  type StreamContext,
  type StreamEvent,
  streamRequests,
  type WorkerAnswers,
  type WorkerClient,
  workerRequests,
} from '../../../src/protocol';
import { installFakePorts } from '../support/fake-ports';
import { popup, summaryResult } from '../support/senders';

/** Routes sendMessage to the registered onMessage listeners, as the browser would. */
function routeMessages(sender: Runtime.MessageSender) {
  vi.spyOn(fakeBrowser.runtime, 'sendMessage').mockImplementation((async (message: unknown) => {
    const answers = await fakeBrowser.runtime.onMessage.trigger(message, sender as never, () => {});
    return answers.find((a) => a !== undefined);
  }) as never);
}

describe('the worker client derived from the protocol maps', () => {
  test('has one method per request, which reaches that request’s handler with its payload', async () => {
    routeMessages(popup);
    const handlers = Object.fromEntries(
      Object.keys(workerRequests).map((name) => [name, vi.fn(async () => `answer of ${name}`)]),
    );
    onRequests(
      workerRequests,
      handlers as unknown as Parameters<typeof onRequests<typeof workerRequests, WorkerAnswers>>[1],
      isExtensionPage,
    );
    const client = createWorkerClient();
    await expect(client.getChat({ tabId: 3 })).resolves.toBe('answer of getChat');
    expect(handlers.getChat).toHaveBeenCalledWith({ tabId: 3 }, popup);
    // A request that takes nothing needs no argument.
    await expect(client.listChats()).resolves.toBe('answer of listChats');
    expect(handlers.listChats).toHaveBeenCalledWith({}, popup);
    for (const name of Object.keys(workerRequests)) expect(client).toHaveProperty(name);
  });

  test('has one method per stream, and one attach per stream', async () => {
    installFakePorts(popup);
    onStreams(
      {
        summarize: async (_data: unknown, { emit }: StreamContext) => {
          emit({ type: 'token', text: 'Done.' });
          return summaryResult;
        },
        chat: vi.fn(),
      } as unknown as Parameters<typeof onStreams>[0],
      isExtensionPage,
    );
    const client = createWorkerClient();
    for (const name of Object.keys(streamRequests)) {
      expect(client).toHaveProperty(name);
      expect(client.attach).toHaveProperty(name);
    }
    const events: StreamEvent[] = [];
    const run = client.summarize({ tabId: 1, length: 'brief' }, (event) => events.push(event));
    await expect(run.result).resolves.toEqual(summaryResult);
    expect(events).toEqual([{ type: 'token', text: 'Done.' }]);
    await expect(client.attach.summarize(1, () => {}).result).resolves.toEqual(summaryResult);
    await expect(client.attach.summarize(2, () => {}).result).resolves.toBeNull();
  });

  test('a wrong name or payload is a compile error (checked by tsc, never run)', () => {
    const misuses = (client: WorkerClient) => [
      // @ts-expect-error: no request of that name
      client.getChats({ tabId: 1 }),
      // @ts-expect-error: a payload of the wrong shape
      client.getChat({ tab: 1 }),
      // @ts-expect-error: a payload the request needs
      client.getChat(),
      // @ts-expect-error: a stream needs its listener
      client.chat({ tabId: 1 }),
    ];
    expect(misuses).toBeTypeOf('function');
  });
});
