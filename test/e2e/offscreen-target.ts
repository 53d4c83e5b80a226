import type { CDPSession } from 'playwright-core';
import { OFFSCREEN_PATH } from '../../src/engine/backends/offscreen/protocol';

/** A CDP session on the offscreen document: commands and events of that target only. */
export interface OffscreenTarget {
  send<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  on(method: string, listener: (params: Record<string, unknown>) => void): void;
  /** Evaluates an expression in the document and returns its value. */
  evaluate(expression: string): Promise<unknown>;
  detach(): Promise<void>;
}

/**
 * Attaches to the offscreen document, which Playwright neither lists as a page nor routes the requests of,
 * through an extension page's CDP session (`Target.attachToTarget` and messages to that target).
 */
export async function attachToOffscreen(cdp: CDPSession): Promise<OffscreenTarget> {
  const { targetInfos } = await cdp.send('Target.getTargets');
  const target = targetInfos.find((info) => info.url.endsWith(`/${OFFSCREEN_PATH}`));
  if (!target) throw new Error('No offscreen document target');
  const { sessionId } = await cdp.send('Target.attachToTarget', {
    targetId: target.targetId,
    flatten: false,
  });
  let lastId = 0;
  const replies = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const listeners = new Map<string, ((params: Record<string, unknown>) => void)[]>();
  const onMessage = (event: { sessionId?: string; message: string }) => {
    if (event.sessionId !== sessionId) return;
    const message = JSON.parse(event.message) as {
      id?: number;
      result?: unknown;
      error?: { message: string };
      method?: string;
      params?: Record<string, unknown>;
    };
    if (message.id !== undefined) {
      const reply = replies.get(message.id);
      replies.delete(message.id);
      if (message.error) reply?.reject(new Error(message.error.message));
      else reply?.resolve(message.result);
    } else if (message.method) {
      for (const listener of listeners.get(message.method) ?? []) listener(message.params ?? {});
    }
  };
  cdp.on('Target.receivedMessageFromTarget', onMessage);

  const send = <T>(method: string, params: Record<string, unknown> = {}) =>
    new Promise<T>((resolve, reject) => {
      const id = ++lastId;
      replies.set(id, { resolve: resolve as (value: unknown) => void, reject });
      cdp
        .send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) })
        .catch(reject);
    });
  return {
    send,
    on(method, listener) {
      listeners.set(method, [...(listeners.get(method) ?? []), listener]);
    },
    async evaluate(expression) {
      const reply = await send<{ result: { value: unknown } }>('Runtime.evaluate', {
        expression,
        returnByValue: true,
      });
      return reply.result.value;
    },
    async detach() {
      cdp.off('Target.receivedMessageFromTarget', onMessage);
      await cdp.send('Target.detachFromTarget', { sessionId });
    },
  };
}
