import { cancelled } from '../../../src/errors';
import type { StreamEvent, StreamHandle } from '../../../src/protocol';

/** One streamed request as a fake worker sees it: the test plays the worker's part through it. */
export interface FakeStream<R> {
  stopped: boolean;
  emit(...events: StreamEvent[]): void;
  finish(result: R): void;
  fail(error: unknown): void;
}

/**
 * A stream the test drives by hand, and the handle the store under test holds. Like the real worker, a
 * stop comes back as a cancellation a moment later.
 */
export function createFakeStream<R>(onEvent: (event: StreamEvent) => void): {
  stream: FakeStream<R>;
  handle: StreamHandle<R>;
} {
  let resolve!: (value: R) => void;
  let reject!: (error: unknown) => void;
  const result = new Promise<R>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const stream: FakeStream<R> = {
    stopped: false,
    emit: (...events) => {
      for (const event of events) onEvent(event);
    },
    finish: resolve,
    fail: reject,
  };
  const handle: StreamHandle<R> = {
    result,
    stop() {
      stream.stopped = true;
      setTimeout(() => reject(cancelled()), 0);
    },
  };
  return { stream, handle };
}
