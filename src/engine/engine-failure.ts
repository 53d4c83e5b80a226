import { AppError, cancelled, isCancellation } from '../errors';
import type { Session } from './types';

// How the engine tells its own failures (which fall back to the next tier) from the request's and the
// user's, and waits on a load only as long as the request wants it.

/**
 * The engine itself failed, as opposed to the request (a page too long) or the user (Stop): thrown by a
 * backend's load or generate, and answered by falling back to the next tier.
 */
export class EngineFailure extends Error {
  override name = 'EngineFailure';
}

/** Only errors of the backend's own making fall back: a download that failed would only start another. */
export function isEngineFailure(error: unknown): boolean {
  if (isCancellation(error)) return false;
  return !(error instanceof AppError) || error.code === 'model-load' || error.code === 'internal';
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Marks the backend's own failures inside `generate`, so that the task's own errors are told apart. */
export function guarded(session: Session): Session {
  return {
    get model() {
      return session.model;
    },
    countTokens: (text) => session.countTokens(text),
    countPromptTokens: (messages) => session.countPromptTokens(messages),
    forget: session.forget ? (key) => session.forget?.(key) : undefined,
    async generate(messages, options) {
      try {
        return await session.generate(messages, options);
      } catch (error) {
        if (options.signal.aborted || !isEngineFailure(error)) throw error;
        throw new EngineFailure(describe(error), { cause: error });
      }
    },
    dispose: () => session.dispose(),
  };
}

/** Settles as `promise` does, or rejects with `cancelled` as soon as the signal aborts. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
