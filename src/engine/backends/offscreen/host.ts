import browser, { type Runtime } from 'webextension-polyfill';
import { AppError, toErrorData } from '../../../errors';
import type { ModelSpec } from '../../../model';
import { isServiceWorker } from '../../../protocol/senders';
import type { Backend, Session } from '../../types';
import { type HostEvent, type HostState, OFFSCREEN_PORT, parseHostRequest } from './protocol';

export interface OffscreenHostOptions {
  /** Runs the model here: transformers.js on WASM threads, with the packaged ORT files. */
  createBackend(numThreads: number): Backend;
  /** ORT's thread count once it started (it falls back to 1 where threads cannot run). */
  threadsInUse(): number;
  /** Shows the host's state in its page, for a person or a test looking at it. */
  onState?(state: HostState & { model: string }): void;
}

/**
 * Serves the worker's port in the offscreen document: loads the model once and keeps it across worker
 * restarts (a new worker finds it loaded), generates, and stops on request. It decides nothing else: the
 * worker owns its lifetime.
 */
export function serveOffscreenHost(options: OffscreenHostOptions): void {
  let loaded:
    | { modelId: string; session: Promise<Session>; controller: AbortController; settled: boolean }
    | undefined;

  const load = (model: ModelSpec, numThreads: number, onEvent: (event: HostEvent) => void) => {
    // A stopped load is still unwinding: the next one waits for it, so two never write the same file.
    if (loaded?.modelId !== model.id || loaded.controller.signal.aborted) {
      const previous = loaded?.session;
      const controller = new AbortController();
      const entry: NonNullable<typeof loaded> = {
        modelId: model.id,
        controller,
        settled: false,
        session: (async () => {
          await previous?.then((session) => session.dispose()).catch(() => {});
          // Threads need SharedArrayBuffer, which only a cross-origin isolated page has (the manifest's
          // cross_origin_embedder_policy and cross_origin_opener_policy make it so).
          if (!globalThis.crossOriginIsolated) {
            throw new AppError(
              'model-load',
              'The offscreen page is not cross-origin isolated, so the model cannot run on several threads.',
            );
          }
          return options
            .createBackend(numThreads)
            .load(model, (progress) => onEvent({ kind: 'progress', progress }), controller.signal);
        })(),
      };
      loaded = entry;
      // A failed load must not stick: the worker's next try loads again.
      entry.session.then(
        () => {
          entry.settled = true;
        },
        () => {
          entry.settled = true;
          if (loaded === entry) loaded = undefined;
        },
      );
    }
    return loaded.session;
  };

  browser.runtime.onConnect.addListener((port: Runtime.Port) => {
    if (port.name !== OFFSCREEN_PORT) return;
    if (!port.sender || !isServiceWorker(port.sender)) {
      port.disconnect();
      return;
    }
    const running = new Map<number, AbortController>();
    let open = true;
    const post = (event: HostEvent) => {
      if (open) port.postMessage(event);
    };
    // The worker that asked is gone (stopped by Chrome, or closed the document): nobody reads the rest.
    port.onDisconnect.addListener(() => {
      open = false;
      for (const controller of running.values()) controller.abort();
    });

    port.onMessage.addListener((message: unknown) => {
      const request = parseHostRequest(message);
      if (!request) return;
      if (request.kind === 'stop') {
        running.get(request.id)?.abort();
        return;
      }
      if (request.kind === 'stopLoad') {
        if (loaded && !loaded.settled) loaded.controller.abort();
        return;
      }
      if (request.kind === 'load') {
        load(request.model, request.numThreads, post).then(
          (session) => {
            const state = {
              crossOriginIsolated: globalThis.crossOriginIsolated,
              numThreads: options.threadsInUse(),
            };
            options.onState?.({ ...state, model: session.model.id });
            post({ kind: 'loaded', model: session.model, state });
          },
          (error) => post({ kind: 'loadFailed', error: toErrorData(error) }),
        );
        return;
      }
      const { id, messages, maxNewTokens, cacheKey } = request;
      const controller = new AbortController();
      running.set(id, controller);
      void (async () => {
        try {
          if (!loaded) throw new AppError('model-load', 'The model is not loaded in the offscreen page.');
          const session = await loaded.session;
          const result = await session.generate(messages, {
            maxNewTokens,
            signal: controller.signal,
            cacheKey,
            onToken: (text) => post({ kind: 'token', id, text }),
            onPrefill: (done, total) => post({ kind: 'prefill', id, done, total }),
          });
          post({ kind: 'result', id, result });
        } catch (error) {
          post({ kind: 'error', id, error: toErrorData(error) });
        } finally {
          running.delete(id);
        }
      })();
    });
    post({ kind: 'ready' });
  });
}
