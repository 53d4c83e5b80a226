import { cancelled } from '../errors';
import type { Availability, DownloadProgress, ModelStatus } from '../protocol';
import type { ModelSpec } from './registry';
import type { Backend, Session } from './types';

export interface RunOptions {
  signal: AbortSignal;
  /** Download progress, reported while this request waits for the model to load. */
  onProgress?(progress: DownloadProgress): void;
  /** Called when the model is ready and this request's turn has come. */
  onReady?(): void;
  /** Who asks (a job's key), so that requests waiting behind this one can say what they wait for. */
  owner?: string;
  /** Called while this request waits, with the owner of the request running now, each time that changes. */
  onWaiting?(ahead: string | undefined): void;
}

export interface Engine {
  readonly model: ModelSpec;
  status(): Promise<ModelStatus>;
  /**
   * Runs a task with the loaded model, one at a time in arrival order so two tabs never interleave; the
   * model loads on first use, once. A task aborted while it waits never runs.
   */
  run<T>(task: (session: Session) => Promise<T>, options: RunOptions): Promise<T>;
  /** Drops what the loaded model keeps of one conversation (its KV cache); loads nothing. */
  forget(cacheKey: string): void;
  dispose(): Promise<void>;
}

export function createEngine(backend: Backend, model: ModelSpec): Engine {
  let loading: Promise<Session> | undefined;
  let loaded: Session | undefined;
  let downloading = false;
  const progressListeners = new Set<(progress: DownloadProgress) => void>();
  let queue: Promise<unknown> = Promise.resolve();
  // The request whose turn it is, and those waiting behind it, to tell them who is ahead.
  let running: { owner: string | undefined } | null = null;
  let pending = 0;
  const waiting = new Set<(ahead: string | undefined) => void>();

  const load = (): Promise<Session> => {
    loading ??= (async () => {
      downloading = true;
      try {
        loaded = await backend.load(model, (progress) => {
          for (const listener of progressListeners) listener(progress);
        });
        return loaded;
      } catch (error) {
        // A failed load must not stick: the next request (Retry) tries again.
        loading = undefined;
        throw error;
      } finally {
        downloading = false;
      }
    })();
    return loading;
  };

  return {
    model,

    async status() {
      let availability: Availability = downloading ? 'downloading' : 'downloadable';
      if (!downloading) availability = loading ? 'available' : await backend.availability(model);
      return { modelName: model.name, availability, downloadBytes: model.downloadBytes };
    },

    run(task, { signal, onProgress, onReady, owner, onWaiting }) {
      if (pending > 0 && onWaiting) {
        waiting.add(onWaiting);
        if (running) onWaiting(running.owner);
      }
      pending++;
      const me = { owner };
      let started = false;
      const turn = queue.then(async () => {
        if (onWaiting) waiting.delete(onWaiting);
        if (signal.aborted) throw cancelled();
        started = true;
        running = me;
        for (const notify of waiting) notify(owner);
        if (onProgress) progressListeners.add(onProgress);
        let session: Session;
        try {
          session = await load();
        } finally {
          if (onProgress) progressListeners.delete(onProgress);
        }
        if (signal.aborted) throw cancelled();
        onReady?.();
        return task(session);
      });
      const done = turn.finally(() => {
        pending--;
        if (running === me) running = null;
      });
      // The queue only orders work: one task's failure must not fail the next.
      queue = done.catch(() => {});
      // A request stopped while it waits settles at once and its turn is skipped; a running one ends at
      // its next step, as the task sees the signal.
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          if (started) return;
          if (onWaiting) waiting.delete(onWaiting);
          reject(cancelled());
        };
        if (signal.aborted) onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        done.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    },

    forget(cacheKey) {
      loaded?.forget?.(cacheKey);
    },

    async dispose() {
      const session = await loading?.catch(() => undefined);
      loading = undefined;
      loaded = undefined;
      await session?.dispose();
    },
  };
}
