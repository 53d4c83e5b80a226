import { deserializeError, type ErrorObject, serializeError } from 'serialize-error';

const ERROR_CODES = [
  'unreadable-page',
  'empty-page',
  'page-unreachable',
  'password-required',
  'password-wrong',
  'model-download',
  'model-load',
  'model-import',
  'too-long',
  'disk-full',
  /** A local model server failed, or refused: the message says how; never answered by another tier. */
  'local-server',
  'worker-stopped',
  'cancelled',
  'invalid-message',
  'internal',
] as const;

/** Every failure the user can be told about, by a stable code the UI and tests can rely on. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error whose message is written for the user: what happened and what to do. */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when the error means the user (or a closed page) asked to stop: not worth an error message. */
export function isCancellation(error: unknown): boolean {
  return (
    (error instanceof AppError && error.code === 'cancelled') ||
    (error instanceof Error && error.name === 'AbortError')
  );
}

export function cancelled(): AppError {
  return new AppError('cancelled', 'Stopped.');
}

/** Ends work that was stopped, between two of its steps. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw cancelled();
}

/** Errors travel between contexts as plain data; `code` survives the trip. */
export function toErrorData(error: unknown): ErrorObject {
  return serializeError(asAppError(error)) as ErrorObject;
}

export function fromErrorData(data: ErrorObject): AppError {
  const error = deserializeError(data) as Error & { code?: string };
  const code = isErrorCode(error.code) ? error.code : 'internal';
  const result = new AppError(code, error.message || 'Something went wrong.');
  result.stack = error.stack;
  return result;
}

function isErrorCode(code: unknown): code is ErrorCode {
  return (ERROR_CODES as readonly unknown[]).includes(code);
}

/**
 * Turns any thrown value into an AppError with a message a user can act on. The browser's messaging
 * failures get their own: a tab without a listening content script, and (as refined-github's
 * `helpers/errors.ts` does) "Extension context invalidated" after an update.
 */
export function asAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'AbortError') return cancelled();
  if (
    /Receiving end does not exist|Could not establish connection|No tab with id|Frame with ID/i.test(message)
  ) {
    return new AppError(
      'page-unreachable',
      'This page isn’t ready for the assistant yet. Reload the page, then try again.',
      { cause: error },
    );
  }
  if (/Extension context invalidated/i.test(message)) {
    return new AppError(
      'worker-stopped',
      'The extension was updated or restarted. Close this window and try again.',
      { cause: error },
    );
  }
  if (isQuotaExceeded(error)) return diskFull(error);
  return new AppError('internal', `Something went wrong: ${message}`, { cause: error });
}

/** The browser refused a write for lack of space (IndexedDB, Cache Storage, storage.local). */
export function isQuotaExceeded(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'QuotaExceededError' || /QuotaExceeded|quota.*exceeded/i.test(error.message))
  );
}

export function diskFull(cause?: unknown): AppError {
  return new AppError(
    'disk-full',
    'Your disk is full, so Pagewise could not save. Free some space (or delete a model in Settings), then try again.',
    { cause },
  );
}
