import type { ErrorObject } from 'serialize-error';
import * as v from 'valibot';
import browser, { type Runtime } from 'webextension-polyfill';
import { AppError, asAppError, fromErrorData, toErrorData } from '../errors';
import {
  type ContentAnswers,
  contentAnswers,
  type contentRequests,
  type DataOf,
  type PdfAnswers,
  type PdfReaderAnswers,
  PROTOCOL,
  pdfAnswers,
  type pdfReaderRequests,
  type pdfRequests,
  type Schemas,
  type WorkerAnswers,
  type workerRequests,
} from './messages';

// One message, one answer: the answer is `{ ok, value }` or `{ ok: false, error }`, so errors travel as data.

type Envelope = { protocol: typeof PROTOCOL; name: string; data: unknown };
type Reply<T> = { ok: true; value: T } | { ok: false; error: ErrorObject };

const EnvelopeSchema = v.object({ protocol: v.literal(PROTOCOL), name: v.string(), data: v.unknown() });
const ReplySchema = v.union([
  v.object({ ok: v.literal(true), value: v.unknown() }),
  v.object({ ok: v.literal(false), error: v.record(v.string(), v.unknown()) }),
]);

function unwrap<T>(reply: unknown): T {
  const parsed = v.safeParse(ReplySchema, reply);
  if (!parsed.success)
    throw new AppError('invalid-message', 'The extension answered with a malformed message.');
  if (!parsed.output.ok) throw fromErrorData(parsed.output.error as ErrorObject);
  return parsed.output.value as T;
}

/** Sends a request to the worker and returns its answer, or throws the worker's error again here. */
export async function sendToWorker<K extends keyof WorkerAnswers>(
  name: K,
  data: DataOf<typeof workerRequests, K>,
): Promise<WorkerAnswers[K]> {
  const envelope: Envelope = { protocol: PROTOCOL, name, data };
  try {
    return unwrap<WorkerAnswers[K]>(await browser.runtime.sendMessage(envelope));
  } catch (error) {
    throw asAppError(error);
  }
}

/** Sends a request from the PDF reader in a tab to the worker (see `pdfReaderRequests`). */
export async function sendToWorkerFromPdf<K extends keyof PdfReaderAnswers>(
  name: K,
  data: DataOf<typeof pdfReaderRequests, K>,
): Promise<PdfReaderAnswers[K]> {
  const envelope: Envelope = { protocol: PROTOCOL, name, data };
  try {
    return unwrap<PdfReaderAnswers[K]>(await browser.runtime.sendMessage(envelope));
  } catch (error) {
    throw asAppError(error);
  }
}

/** Sends a request to the content script of a tab's top frame; its answer is validated before use. */
export function sendToTab<K extends keyof ContentAnswers>(
  tabId: number,
  name: K,
  data: DataOf<typeof contentRequests, K>,
): Promise<ContentAnswers[K]> {
  return sendToFrame(tabId, name, data, contentAnswers[name]) as Promise<ContentAnswers[K]>;
}

/** Sends a request to the PDF reader injected into a tab (see `pdfRequests`); its answer is validated. */
export function sendToPdfTab<K extends keyof PdfAnswers>(
  tabId: number,
  name: K,
  data: DataOf<typeof pdfRequests, K>,
): Promise<PdfAnswers[K]> {
  return sendToFrame(tabId, name, data, pdfAnswers[name]) as Promise<PdfAnswers[K]>;
}

async function sendToFrame(
  tabId: number,
  name: string,
  data: unknown,
  answer: v.GenericSchema,
): Promise<unknown> {
  const envelope: Envelope = { protocol: PROTOCOL, name, data };
  let value: unknown;
  try {
    value = unwrap(await browser.tabs.sendMessage(tabId, envelope, { frameId: 0 }));
  } catch (error) {
    throw asAppError(error);
  }
  const parsed = v.safeParse(answer, value);
  if (!parsed.success) throw new AppError('invalid-message', 'The page answered with a malformed message.');
  return parsed.output;
}

type Handlers<S extends Schemas, A extends { [K in keyof S]: unknown }> = {
  [K in keyof S]: (data: DataOf<S, K>, sender: Runtime.MessageSender) => Promise<A[K]> | A[K];
};

/**
 * Registers the handlers for one side of a request map. Messages from senders that `isAllowedSender`
 * rejects, and messages not of this protocol, are ignored (left for no one); malformed payloads of a known
 * name get an `invalid-message` error. Errors thrown by a handler travel back as data.
 */
export function onRequests<S extends Schemas, A extends { [K in keyof S]: unknown }>(
  schemas: S,
  handlers: Handlers<S, A>,
  isAllowedSender: (sender: Runtime.MessageSender) => boolean,
): () => void {
  const listener = (message: unknown, sender: Runtime.MessageSender): Promise<Reply<unknown>> | undefined => {
    const envelope = v.safeParse(EnvelopeSchema, message);
    if (!envelope.success || !Object.hasOwn(schemas, envelope.output.name)) return undefined;
    if (!isAllowedSender(sender)) return undefined;
    const name = envelope.output.name as keyof S & string;
    const schema = schemas[name] as v.GenericSchema;
    const handler = handlers[name];
    return (async (): Promise<Reply<unknown>> => {
      try {
        const data = v.safeParse(schema, envelope.output.data);
        if (!data.success) throw new AppError('invalid-message', `Malformed "${name}" request.`);
        return { ok: true, value: await handler(data.output as DataOf<S, typeof name>, sender) };
      } catch (error) {
        return { ok: false, error: toErrorData(error) };
      }
    })();
  };
  browser.runtime.onMessage.addListener(listener);
  return () => browser.runtime.onMessage.removeListener(listener);
}
