import { deserializeError, type ErrorObject, serializeError } from 'serialize-error';
import { english, isMessageKey, type MessageKey, type MessageParam, t } from './i18n';

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

/** A catalogue message and the values for its placeholders: what an error says, in any language. */
export interface LocalMessage {
  key: MessageKey;
  params: string[];
}

/** The message `key` with its parameters, for an AppError: the UI puts it into the reader's words. */
export function localMessage(key: MessageKey, ...params: MessageParam[]): LocalMessage {
  return { key, params: params.map(String) };
}

/**
 * An error whose message is written for the user: what happened and what to do. Given a catalogue
 * message, `message` is its English text (logs, tests) and `key`/`params` travel with it to the page, which
 * shows it in the reader's language ({@link errorText}).
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly key: MessageKey | undefined;
  readonly params: string[] | undefined;
  constructor(
    readonly code: ErrorCode,
    text: string | LocalMessage,
    options?: { cause?: unknown },
  ) {
    super(typeof text === 'string' ? text : english(text.key, ...text.params), options);
    if (typeof text !== 'string') {
      this.key = text.key;
      this.params = text.params;
    }
  }
}

/** What an error says, in the reader's language where it is a catalogue message. */
export function errorText(error: unknown): string {
  const app = asAppError(error);
  return app.key ? t(app.key, ...(app.params ?? [])) : app.message;
}

/** True when the error means the user (or a closed page) asked to stop: not worth an error message. */
export function isCancellation(error: unknown): boolean {
  return (
    (error instanceof AppError && error.code === 'cancelled') ||
    (error instanceof Error && error.name === 'AbortError')
  );
}

export function cancelled(): AppError {
  return new AppError('cancelled', localMessage('error_stopped'));
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
  const error = deserializeError(data) as Error & { code?: string; key?: unknown; params?: unknown };
  const code = isErrorCode(error.code) ? error.code : 'internal';
  const params = Array.isArray(error.params) ? error.params.map(String) : [];
  // Another context's key is used only if this catalogue has it; else the English text it came with.
  const result = isMessageKey(error.key)
    ? new AppError(code, { key: error.key, params })
    : new AppError(code, error.message || localMessage('error_unknown'));
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
  const text = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'AbortError') return cancelled();
  if (
    /Receiving end does not exist|Could not establish connection|No tab with id|Frame with ID/i.test(text)
  ) {
    return new AppError('page-unreachable', localMessage('error_page_not_ready'), { cause: error });
  }
  if (/Extension context invalidated/i.test(text)) {
    return new AppError('worker-stopped', localMessage('error_extension_restarted'), { cause: error });
  }
  if (isQuotaExceeded(error)) return diskFull(error);
  return new AppError('internal', localMessage('error_internal', text), { cause: error });
}

/** The browser refused a write for lack of space (IndexedDB, Cache Storage, storage.local). */
export function isQuotaExceeded(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'QuotaExceededError' || /QuotaExceeded|quota.*exceeded/i.test(error.message))
  );
}

export function diskFull(cause?: unknown): AppError {
  return new AppError('disk-full', localMessage('error_disk_full'), { cause });
}
