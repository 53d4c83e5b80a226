import {
  type DataOf,
  type StreamEvent,
  type StreamResults,
  streamRequests,
  type WorkerAnswers,
  workerRequests,
} from './messages';
import { sendToWorker } from './requests';
import { attachStream, openStream, type StreamHandle } from './streams';

// The pages' one client of the worker, derived from the protocol's maps as webext-core's
// `defineExtensionMessaging<ProtocolMap>()` derives its ends: a request or stream added to `messages.ts` is a
// method here, and a wrong name or payload is a compile error. Stores take the part they use.

/** A request's payload; a request that takes nothing (`{}`) may be called with no argument. */
type Call<Data, Answer> =
  Record<string, never> extends Data ? (data?: Data) => Promise<Answer> : (data: Data) => Promise<Answer>;

/** One method per worker request: `client.getChat({ tabId })`. */
export type RequestClient = {
  [K in keyof WorkerAnswers]: Call<DataOf<typeof workerRequests, K>, WorkerAnswers[K]>;
};

/** One method per streamed request: `client.chat(request, onEvent)`. */
export type StreamClient = {
  [K in keyof StreamResults]: (
    data: DataOf<typeof streamRequests, K>,
    onEvent: (event: StreamEvent) => void,
  ) => StreamHandle<StreamResults[K]>;
};

/** Follows the request of each kind running for a tab; its result is null when none runs. */
export type AttachClient = {
  [K in keyof StreamResults]: (
    tabId: number,
    onEvent: (event: StreamEvent) => void,
  ) => StreamHandle<StreamResults[K] | null>;
};

/** Every request and stream of the worker, as methods. */
export type WorkerClient = RequestClient & StreamClient & { attach: AttachClient };

/** The part of the worker client a store uses: some requests, some streams and their attach. */
export type WorkerClientPart<R extends keyof WorkerAnswers, S extends keyof StreamResults = never> = Pick<
  RequestClient,
  R
> &
  Pick<StreamClient, S> &
  ([S] extends [never] ? unknown : { attach: Pick<AttachClient, S> });

/** The client that talks to the real worker, built from the request and stream maps. */
export function createWorkerClient(): WorkerClient {
  const requests = Object.fromEntries(
    Object.keys(workerRequests).map((name) => [
      name,
      (data: unknown = {}) => sendToWorker(name as keyof WorkerAnswers, data as never),
    ]),
  );
  const streamNames = Object.keys(streamRequests) as (keyof StreamResults)[];
  const streams = Object.fromEntries(
    streamNames.map((name) => [
      name,
      (data: unknown, onEvent: (event: StreamEvent) => void) => openStream(name, data as never, onEvent),
    ]),
  );
  const attach = Object.fromEntries(
    streamNames.map((name) => [
      name,
      (tabId: number, onEvent: (event: StreamEvent) => void) => attachStream(name, tabId, onEvent),
    ]),
  );
  // The maps' keys are the types' keys: the casts only restate what the loops built.
  return { ...requests, ...streams, attach } as unknown as WorkerClient;
}
