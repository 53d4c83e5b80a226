import type { ErrorObject } from 'serialize-error';
import { hasOffscreenDocuments } from '../../../browser-features';
import { AppError, cancelled, fromErrorData, localMessage, throwIfAborted } from '../../../errors';
import type { ModelSpec } from '../../../model';
import type { DownloadProgress } from '../../../protocol';
import { IDLE_UNLOAD_MS } from '../../../protocol/limits';
import { threadCount } from '../../tiers';
import type { Backend, GenerateResult, Session, TierBackend } from '../../types';
import { loadTokenizer } from '../transformers';
import type { ModelFiles } from '../transformers-files';
import { isStored } from '../transformers-files';
import { createPromptTokens } from '../transformers-session';
import {
  type HostEvent,
  type HostRequest,
  type HostState,
  OFFSCREEN_IDLE_ALARM,
  OFFSCREEN_PATH,
  OFFSCREEN_PORT,
  parseHostEvent,
} from './protocol';

/**
 * The host holds the whole model in memory (about 1 GB for the default) and its threads: keep it while
 * someone is reading and asking (a follow-up within minutes reuses the loaded model and its KV cache), give
 * it back after the engine's idle time (`IDLE_UNLOAD_MS`, 5 minutes). An alarm, not a timer: Chrome stops an
 * idle worker after 30 s, timers with it, and an alarm wakes it again.
 */
const IDLE_CLOSE_MINUTES = IDLE_UNLOAD_MS / 60_000;

/** Attempts to reach a just-created document before giving up (it listens once its script has run). */
const CONNECT_ATTEMPTS = 50;
const CONNECT_RETRY_MS = 100;

/**
 * Threads for the host: those `threadCount` gives, and at least 2, since this tier exists to run threads
 * (one picked by hand on 2 cores still runs 2, which is what the user asked for).
 */
export function hostThreads(cores: number): number {
  return Math.max(2, threadCount(cores));
}

export interface OffscreenBackendOptions {
  /** Where the worker's copy of the tokenizer comes from, as for the in-worker backend. */
  localModelPath: string;
  /** The verified model store the tokenizer is read from (the host downloads into the same one). */
  files?: ModelFiles;
  /** Threads the host runs; `hostThreads(navigator.hardwareConcurrency)` when absent. */
  numThreads?: number;
}

/** The offscreen backend, with what the worker's wiring needs beyond `Backend`. */
export interface OffscreenBackend extends Backend {
  /** For the idle alarm: closes the host unless a request is running (then it waits for the next). */
  closeIfIdle(): Promise<void>;
  /** How the host runs, once it has loaded. */
  hostState(): HostState | undefined;
}

type Port = chrome.runtime.Port;

/** Settles with the one event `pick` returns a value for, or rejects when the port closes first. */
function awaitEvent<T>(
  port: Port,
  pick: (event: HostEvent) => T | undefined,
  onOther?: (e: HostEvent) => void,
) {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: unknown) => {
      const event = parseHostEvent(message);
      if (!event) return;
      const value = pick(event);
      if (value === undefined) return onOther?.(event);
      cleanup();
      resolve(value);
    };
    const onDisconnect = () => {
      cleanup();
      reject(new AppError('model-load', localMessage('error_offscreen_closed')));
    };
    const cleanup = () => {
      port.onMessage.removeListener(onMessage);
      port.onDisconnect.removeListener(onDisconnect);
    };
    port.onMessage.addListener(onMessage);
    port.onDisconnect.addListener(onDisconnect);
  });
}

/**
 * Runs the model in an offscreen document on several WASM threads (`wasm-threads` tier). The worker keeps
 * the tokenizer, so counting tokens stays synchronous and local; generation runs in the host, its tokens
 * and progress streamed back over one port. The worker creates the document, routes its messages, and
 * closes it when idle or disposed.
 */
export function createOffscreenBackend(options: OffscreenBackendOptions): OffscreenBackend {
  const url = chrome.runtime.getURL(OFFSCREEN_PATH);
  const numThreads = options.numThreads ?? hostThreads(navigator.hardwareConcurrency);
  let creating: Promise<void> | undefined;
  let connection: Promise<Port> | undefined;
  let state: HostState | undefined;
  let busy = 0;
  let nextId = 0;

  const hasDocument = async () =>
    (await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'], documentUrls: [url] })).length >
    0;

  const ensureDocument = async () => {
    if (await hasDocument()) return;
    // One creation at a time: a second createDocument while the first runs throws.
    creating ??= chrome.offscreen
      .createDocument({
        url,
        reasons: [chrome.offscreen.Reason.WORKERS],
        justification: 'Runs the page assistant’s model on several CPU threads.',
      })
      .finally(() => {
        creating = undefined;
      });
    await creating;
  };

  /** Opens the port, retrying while the new document's script has not started listening yet. */
  const connect = (): Promise<Port> => {
    connection ??= (async () => {
      await ensureDocument();
      for (let attempt = 0; attempt < CONNECT_ATTEMPTS; attempt++) {
        const port = chrome.runtime.connect({ name: OFFSCREEN_PORT });
        try {
          await awaitEvent(port, (event) => (event.kind === 'ready' ? true : undefined));
        } catch {
          await new Promise((resolve) => setTimeout(resolve, CONNECT_RETRY_MS));
          continue;
        }
        // Forget this port when it closes, unless a newer one replaced it already (after a close when idle).
        const opened = connection;
        port.onDisconnect.addListener(() => {
          if (connection === opened) connection = undefined;
        });
        return port;
      }
      throw new AppError('model-load', localMessage('error_offscreen_start'));
    })();
    connection.catch(() => {
      connection = undefined;
    });
    return connection;
  };

  const send = (port: Port, request: HostRequest) => port.postMessage(request);

  /**
   * Loads the model in the host (at once when it has it), with its download progress. An abort asks the
   * host to stop the load, and settles when it has (its download stopped).
   */
  const loadInHost = async (
    model: ModelSpec,
    onProgress: (progress: DownloadProgress) => void,
    signal?: AbortSignal,
  ) => {
    if (signal?.aborted) throw cancelled();
    const port = await connect();
    if (signal?.aborted) throw cancelled();
    const loaded = awaitEvent(
      port,
      (event) => {
        if (event.kind === 'loaded') return event;
        if (event.kind === 'loadFailed') return event;
        return undefined;
      },
      (event) => {
        if (event.kind === 'progress') onProgress(event.progress);
      },
    );
    send(port, { kind: 'load', model, numThreads });
    const onAbort = () => send(port, { kind: 'stopLoad' });
    signal?.addEventListener('abort', onAbort, { once: true });
    let answer: Awaited<typeof loaded>;
    try {
      answer = await loaded;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (answer.kind === 'loadFailed') throw fromErrorData(answer.error as ErrorObject);
    state = answer.state;
    return { port, model: answer.model };
  };

  const armIdleClose = () => {
    void chrome.alarms.create(OFFSCREEN_IDLE_ALARM, { delayInMinutes: IDLE_CLOSE_MINUTES });
  };

  const closeDocument = async () => {
    connection = undefined;
    state = undefined;
    await chrome.alarms.clear(OFFSCREEN_IDLE_ALARM);
    if (await hasDocument()) await chrome.offscreen.closeDocument();
  };

  return {
    id: 'transformers-offscreen',

    async availability(model) {
      if (!hasOffscreenDocuments()) return 'unavailable';
      if (model.bundled) return 'available';
      return (await isStored(model, options.files)) ? 'available' : 'downloadable';
    },

    async load(spec, onProgress, signal) {
      // A load counts as busy: the idle alarm must not close the document under it.
      busy++;
      let tokens: ReturnType<typeof createPromptTokens>;
      let model: ModelSpec;
      try {
        ({ model } = await loadInHost(spec, onProgress, signal));
        // After the host's load the tokenizer's files are in the cache (or packaged): nothing downloads twice.
        tokens = createPromptTokens(
          await loadTokenizer(spec, options.localModelPath, options.files, () => {}),
          model,
        );
      } finally {
        if (--busy === 0) armIdleClose();
      }

      const session: Session = {
        model,
        countTokens: tokens.countTokens,
        countPromptTokens: tokens.countPromptTokens,

        async generate(messages, { signal, maxNewTokens, cacheKey, onToken, onPrefill }) {
          throwIfAborted(signal);
          busy++;
          void chrome.alarms.clear(OFFSCREEN_IDLE_ALARM);
          try {
            // The host may have been closed when idle since: open and load again (from cache, no progress).
            const { port } = await loadInHost(spec, () => {});
            const id = nextId++;
            const onAbort = () => send(port, { kind: 'stop', id });
            signal.addEventListener('abort', onAbort, { once: true });
            try {
              const outcome = awaitEvent<GenerateResult | { error: AppError }>(
                port,
                (event) => {
                  if (event.kind === 'result' && event.id === id) return event.result;
                  if (event.kind === 'error' && event.id === id)
                    return { error: fromErrorData(event.error as ErrorObject) };
                  return undefined;
                },
                (event) => {
                  if (event.kind === 'token' && event.id === id) onToken?.(event.text);
                  else if (event.kind === 'prefill' && event.id === id) onPrefill?.(event.done, event.total);
                },
              );
              send(port, { kind: 'generate', id, messages, maxNewTokens, cacheKey });
              const result = await outcome;
              if ('error' in result) throw result.error;
              throwIfAborted(signal);
              return result;
            } catch (error) {
              throw signal.aborted ? cancelled() : error;
            } finally {
              signal.removeEventListener('abort', onAbort);
            }
          } finally {
            if (--busy === 0) armIdleClose();
          }
        },

        dispose: closeDocument,
      };
      return session;
    },

    async closeIfIdle() {
      if (busy > 0) return;
      await closeDocument();
    },

    hostState: () => state,
  };
}

/** The `wasm-threads` tier, for the engine's tier list. */
export function createOffscreenTier(
  options: OffscreenBackendOptions & { model(): Promise<ModelSpec> },
): TierBackend & { backend: OffscreenBackend } {
  return { tier: 'wasm-threads', backend: createOffscreenBackend(options), model: options.model };
}
