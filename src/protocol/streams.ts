import type { ErrorObject } from 'serialize-error';
import * as v from 'valibot';
import browser, { type Runtime } from 'webextension-polyfill';
import { AppError, asAppError, cancelled, fromErrorData, localMessage } from '../errors';
import { type DataOf, PROTOCOL, type StreamEvent, type StreamResults, type streamRequests } from './messages';

// A port per streamed request. The client starts a job, or attaches to the one running for a tab, and may
// stop it; the worker sends its events (those so far first, to an attaching client) and one done or error.
// A job outlives its clients: closing the popup does not end it (jobs.ts).

export type PortMessage =
  | { kind: 'start'; data: unknown }
  | { kind: 'attach'; tabId: number }
  | { kind: 'stop' }
  | { kind: 'event'; event: StreamEvent }
  | { kind: 'done'; result: unknown }
  | { kind: 'error'; error: ErrorObject }
  /** Answers `attach` when no job of that kind runs for the tab. */
  | { kind: 'idle' };

export const PORT_PREFIX = `${PROTOCOL}:`;
export const ClientPortMessage = v.variant('kind', [
  v.object({ kind: v.literal('start'), data: v.unknown() }),
  v.object({ kind: v.literal('attach'), tabId: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
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
  return connect<StreamResults[K]>(name, { kind: 'start', data }, onEvent) as StreamHandle<StreamResults[K]>;
}

/**
 * Attaches to the request of this kind running for a tab: its events so far arrive first, then the rest.
 * `result` is null when none is running.
 */
export function attachStream<K extends keyof StreamResults>(
  name: K,
  tabId: number,
  onEvent: (event: StreamEvent) => void,
): StreamHandle<StreamResults[K] | null> {
  return connect<StreamResults[K]>(name, { kind: 'attach', tabId }, onEvent);
}

function connect<R>(
  name: keyof StreamResults,
  first: PortMessage,
  onEvent: (event: StreamEvent) => void,
): StreamHandle<R | null> {
  let port: Runtime.Port;
  let settled = false;
  let stopRequested = false;
  let resolve!: (value: R | null) => void;
  let reject!: (error: unknown) => void;
  const result = new Promise<R | null>((res, rej) => {
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
    else if (m.kind === 'done') settle(() => resolve(m.result as R));
    else if (m.kind === 'error') settle(() => reject(fromErrorData(m.error)));
    else if (m.kind === 'idle') settle(() => resolve(null));
  });
  port.onDisconnect.addListener(() =>
    settle(() =>
      reject(
        stopRequested ? cancelled() : new AppError('worker-stopped', localMessage('error_assistant_stopped')),
      ),
    ),
  );
  port.postMessage(first);
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
