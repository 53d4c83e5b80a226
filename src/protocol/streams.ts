import type { ErrorObject } from 'serialize-error';
import * as v from 'valibot';
import browser, { type Runtime } from 'webextension-polyfill';
import { AppError, asAppError, cancelled, fromErrorData, isCancellation, toErrorData } from '../errors';
import { type DataOf, PROTOCOL, type StreamEvent, type StreamResults, streamRequests } from './messages';

// A port per streamed request: the client sends start and stop, the worker events and one done or error.

type PortMessage =
  | { kind: 'start'; data: unknown }
  | { kind: 'stop' }
  | { kind: 'event'; event: StreamEvent }
  | { kind: 'done'; result: unknown }
  | { kind: 'error'; error: ErrorObject };

const PORT_PREFIX = `${PROTOCOL}:`;
const ClientPortMessage = v.variant('kind', [
  v.object({ kind: v.literal('start'), data: v.unknown() }),
  v.object({ kind: v.literal('stop') }),
]);

export interface StreamHandle<R> {
  /** Settles with the result, or rejects with the error (a cancellation when stopped). */
  result: Promise<R>;
  stop(): void;
}

/** Starts a streamed request. Every path settles `result`: done, error, stop, or the worker going away. */
export function openStream<K extends keyof StreamResults>(
  name: K,
  data: DataOf<typeof streamRequests, K>,
  onEvent: (event: StreamEvent) => void,
): StreamHandle<StreamResults[K]> {
  let port: Runtime.Port;
  let settled = false;
  let stopRequested = false;
  let resolve!: (value: StreamResults[K]) => void;
  let reject!: (error: unknown) => void;
  const result = new Promise<StreamResults[K]>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const settle = (outcome: () => void) => {
    if (settled) return;
    settled = true;
    outcome();
    port?.disconnect();
  };
  try {
    port = browser.runtime.connect({ name: PORT_PREFIX + name });
  } catch (error) {
    settle(() => reject(asAppError(error)));
    return { result, stop() {} };
  }
  port.onMessage.addListener((message: unknown) => {
    const m = message as PortMessage;
    if (m.kind === 'event') onEvent(m.event);
    else if (m.kind === 'done') settle(() => resolve(m.result as StreamResults[K]));
    else if (m.kind === 'error') settle(() => reject(fromErrorData(m.error)));
  });
  port.onDisconnect.addListener(() =>
    settle(() =>
      reject(
        stopRequested
          ? cancelled()
          : new AppError('worker-stopped', 'The assistant stopped before it finished. Try again.'),
      ),
    ),
  );
  port.postMessage({ kind: 'start', data } satisfies PortMessage);
  return {
    result,
    stop() {
      if (settled) return;
      stopRequested = true;
      port.postMessage({ kind: 'stop' } satisfies PortMessage);
      // The worker answers a stop with an error event; if it can't (busy in one long step), don't wait.
      setTimeout(() => settle(() => reject(cancelled())), 3000);
    },
  };
}

export interface StreamContext {
  signal: AbortSignal;
  emit(event: StreamEvent): void;
  sender: Runtime.MessageSender;
}

type StreamHandlers = {
  [K in keyof StreamResults]: (
    data: DataOf<typeof streamRequests, K>,
    context: StreamContext,
  ) => Promise<StreamResults[K]>;
};

/**
 * Serves streamed requests. A handler's signal aborts when the client says stop or goes away (popup
 * closed), so no work runs for no one.
 */
export function onStreams(
  handlers: StreamHandlers,
  isAllowedSender: (sender: Runtime.MessageSender) => boolean,
): () => void {
  const listener = (port: Runtime.Port) => {
    if (!port.name.startsWith(PORT_PREFIX)) return;
    const name = port.name.slice(PORT_PREFIX.length);
    if (!Object.hasOwn(streamRequests, name) || !port.sender || !isAllowedSender(port.sender)) {
      port.disconnect();
      return;
    }
    const key = name as keyof StreamResults;
    const controller = new AbortController();
    let connected = true;
    let started = false;
    const post = (message: PortMessage) => {
      if (connected) port.postMessage(message);
    };
    port.onDisconnect.addListener(() => {
      connected = false;
      controller.abort(cancelled());
    });
    port.onMessage.addListener((message: unknown) => {
      const parsed = v.safeParse(ClientPortMessage, message);
      if (!parsed.success) return;
      if (parsed.output.kind === 'stop') {
        controller.abort(cancelled());
        return;
      }
      if (started) return;
      started = true;
      const data = v.safeParse(streamRequests[key], parsed.output.data);
      const run = async () => {
        if (!data.success) throw new AppError('invalid-message', `Malformed "${key}" request.`);
        // The schema for `key` validated `data.output`; TypeScript can't correlate the two unions.
        const handler = handlers[key] as (data: unknown, context: StreamContext) => Promise<unknown>;
        return handler(data.output, {
          signal: controller.signal,
          emit: (event) => post({ kind: 'event', event }),
          sender: port.sender as Runtime.MessageSender,
        });
      };
      run().then(
        (result) => post({ kind: 'done', result }),
        (error) => {
          if (!isCancellation(error)) console.error(`[${key}]`, error);
          post({ kind: 'error', error: toErrorData(error) });
        },
      );
    });
  };
  browser.runtime.onConnect.addListener(listener);
  return () => browser.runtime.onConnect.removeListener(listener);
}
