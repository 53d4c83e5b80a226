import { cancelled } from '../errors';
import { engineName, tierName } from '../i18n';
import type { Availability, ModelSpec, TierId } from '../model';
import type { DownloadProgress, EngineInfo, ModelStatus } from '../protocol';
import { IDLE_UNLOAD_MS } from '../protocol/limits';
import { describe, EngineFailure, guarded, isEngineFailure, untilAborted } from './engine-failure';
import type { Backend, Session } from './types';

export interface RunOptions {
  signal: AbortSignal;
  /** Download progress, reported while this request waits for the model to load. */
  onProgress?(progress: DownloadProgress): void;
  /**
   * Called when the model is ready and this request's turn has come, with the engine that runs it; again
   * if that engine fails and the request is retried on the next one.
   */
  onReady?(engine: EngineInfo): void;
  /** Who asks (a job's key), so that requests waiting behind this one can say what they wait for. */
  owner?: string;
  /** Called while this request waits, with the owner of the request running now, each time that changes. */
  onWaiting?(ahead: string | undefined): void;
}

export interface Engine {
  status(): Promise<ModelStatus>;
  /**
   * Runs a task with the loaded model, one at a time in arrival order so two tabs never interleave; the
   * model loads on first use, once. A task aborted while it waits never runs. If the engine itself fails
   * (a lost GPU, a backend that cannot start), the next tier is loaded and the task runs once more there.
   */
  run<T>(task: (session: Session) => Promise<T>, options: RunOptions): Promise<T>;
  /** Loads again before the next request, for a changed setting (engine or model); work running goes on. */
  reconfigure(): void;
  /** Tiers that failed in this worker's life, with what went wrong. */
  failures(): ReadonlyMap<TierId, string>;
  /** Lets a tier that failed be tried again (a local server the user connected again). */
  forgetFailure(tier: TierId): void;
  /** Drops what the loaded model keeps of one conversation (its KV cache); loads nothing. */
  forget(cacheKey: string): void;
  dispose(): Promise<void>;
}

/** What to load: a backend, the tier it serves and the model it runs there. */
export interface EngineTarget {
  tier: TierId;
  backend: Backend;
  model: ModelSpec;
}

/** Chooses what to load: the user's pick or the best tier of this machine, less those that failed. */
export interface EngineSource {
  pick(failed: ReadonlyMap<TierId, string>): Promise<EngineTarget>;
}

export interface EngineOptions {
  /** The model is unloaded after this long with no request (`IDLE_UNLOAD_MS` unless given). */
  idleUnloadMs?: number;
}

/** One backend and model, always: tests and Node tools. */
export function createEngine(
  backend: Backend,
  model: ModelSpec,
  tier: TierId = 'wasm',
  options: EngineOptions = {},
): Engine {
  return createTieredEngine({ pick: async () => ({ tier, backend, model }) }, options);
}

interface Loaded {
  target: EngineTarget;
  session: Session;
  fellBackFrom?: EngineInfo['fellBackFrom'];
}

export function createTieredEngine(source: EngineSource, options: EngineOptions = {}): Engine {
  const idleUnloadMs = options.idleUnloadMs ?? IDLE_UNLOAD_MS;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  // Set once the idle timer unloaded the model, until it has loaded again: the load says why it happens.
  let unloadedWhenIdle = false;
  let loading: Promise<Loaded> | undefined;
  // The session once loaded (status must not wait on a load in flight).
  let current: Loaded | undefined;
  let downloading: EngineTarget | undefined;
  let stale = false;
  // Tiers that failed in this worker's life, with what went wrong: never picked again until it restarts.
  const failed = new Map<TierId, string>();
  let lastFailure: EngineInfo['fellBackFrom'];
  const progressListeners = new Set<(progress: DownloadProgress) => void>();
  let queue: Promise<unknown> = Promise.resolve();
  // The request whose turn it is, and those waiting behind it, to tell them who is ahead.
  let running: { owner: string | undefined } | null = null;
  let pending = 0;
  const waiting = new Set<(ahead: string | undefined) => void>();
  // Every request not yet settled wants the model, queued or not: the load runs while one of them is live.
  const wanting = new Set<{ signal: AbortSignal }>();
  // The load in flight, to stop when nobody wants it any more (undefined once it has ended).
  let loadController: AbortController | undefined;

  const info = ({ target, session, fellBackFrom }: Loaded): EngineInfo => ({
    tier: target.tier,
    name: engineName(target.tier, session.model.name),
    modelName: session.model.name,
    ...(fellBackFrom ? { fellBackFrom } : {}),
  });

  const load = (): Promise<Loaded> => {
    if (loading && !loadController?.signal.aborted) return loading;
    const previous = loading;
    const controller = new AbortController();
    loadController = controller;
    const attempt = (async () => {
      // A stopped load may still be writing its last chunk: the next one starts when it has ended.
      await previous?.catch(() => {});
      for (;;) {
        if (controller.signal.aborted) throw cancelled();
        const target = await source.pick(failed);
        downloading = target;
        const again = unloadedWhenIdle ? { reloadAfterIdleMinutes: Math.round(idleUnloadMs / 60_000) } : {};
        const report = (progress: DownloadProgress) => {
          for (const listener of progressListeners) listener({ ...progress, ...again });
        };
        if (unloadedWhenIdle) report({ files: [], loaded: 0, total: 0 });
        try {
          const session = await target.backend.load(target.model, report, controller.signal);
          const fellBackFrom = lastFailure;
          lastFailure = undefined;
          unloadedWhenIdle = false;
          current = { target, session, fellBackFrom };
          return current;
        } catch (error) {
          // The last tier's failure is the user's to see; an earlier one's only moves us down the list.
          if (target.tier === 'wasm' || !isEngineFailure(error)) throw error;
          failed.set(target.tier, describe(error));
          lastFailure = { tier: target.tier, name: tierName(target.tier), reason: describe(error) };
        } finally {
          downloading = undefined;
        }
      }
    })()
      .catch((error) => {
        // A failed load must not stick: the next request (Retry) tries again.
        if (loading === attempt) loading = undefined;
        throw error;
      })
      .finally(() => {
        if (loadController === controller) loadController = undefined;
      });
    loading = attempt;
    return attempt;
  };

  /** Stops the load in flight once every request that wants it has been stopped. */
  const stopLoadIfUnwanted = () => {
    if (!loadController || [...wanting].some((request) => !request.signal.aborted)) return;
    loadController.abort();
  };

  const unload = async () => {
    const loaded = await loading?.catch(() => undefined);
    loading = undefined;
    current = undefined;
    await loaded?.session.dispose();
  };

  const stopIdleTimer = () => {
    if (idleTimer !== undefined) clearTimeout(idleTimer);
    idleTimer = undefined;
  };

  /**
   * Once no request is left, the model is unloaded after `idleUnloadMs`, unless one comes first. A timer is
   * enough: a worker that Chrome stops takes the model with it, and while it runs its timers fire.
   */
  const startIdleTimer = () => {
    stopIdleTimer();
    if (pending > 0 || !current) return;
    idleTimer = setTimeout(() => {
      idleTimer = undefined;
      if (pending > 0 || !current) return;
      unloadedWhenIdle = true;
      void unload();
    }, idleUnloadMs);
    // A Node tool (the bench, tests) must not stay alive for it.
    (idleTimer as { unref?(): void }).unref?.();
  };

  const sessionFor = async (signal: AbortSignal, onProgress: RunOptions['onProgress']): Promise<Loaded> => {
    if (stale) {
      stale = false;
      await unload();
    }
    if (onProgress) progressListeners.add(onProgress);
    try {
      // A stopped request leaves at once; the load goes on while another request still wants it.
      return await untilAborted(load(), signal);
    } finally {
      if (onProgress) progressListeners.delete(onProgress);
    }
  };

  return {
    async status() {
      const loaded = stale ? undefined : current;
      if (loaded) {
        return {
          modelId: loaded.target.model.id,
          modelName: loaded.session.model.name,
          availability: 'available',
          downloadBytes: loaded.target.model.downloadBytes,
          engine: info(loaded),
        };
      }
      const target = downloading ?? (await source.pick(failed));
      const availability: Availability =
        downloading === target ? 'downloading' : await target.backend.availability(target.model);
      return {
        modelId: target.model.id,
        modelName: target.model.name,
        availability,
        downloadBytes: target.model.downloadBytes,
        engine: {
          tier: target.tier,
          name: engineName(target.tier, target.model.name),
          modelName: target.model.name,
        },
      };
    },

    run(task, { signal, onProgress, onReady, owner, onWaiting }) {
      if (pending > 0 && onWaiting) {
        waiting.add(onWaiting);
        if (running) onWaiting(running.owner);
      }
      pending++;
      stopIdleTimer();
      const me = { owner, signal };
      wanting.add(me);
      let started = false;
      const turn = queue.then(async () => {
        if (onWaiting) waiting.delete(onWaiting);
        if (signal.aborted) throw cancelled();
        started = true;
        running = me;
        for (const notify of waiting) notify(owner);
        let loaded = await sessionFor(signal, onProgress);
        if (signal.aborted) throw cancelled();
        onReady?.(info(loaded));
        try {
          return await task(guarded(loaded.session));
        } catch (error) {
          if (!(error instanceof EngineFailure) || loaded.target.tier === 'wasm') {
            throw error instanceof EngineFailure ? error.cause : error;
          }
          // The engine broke mid-request (a lost GPU device): the next tier takes it, once.
          failed.set(loaded.target.tier, error.message);
          lastFailure = {
            tier: loaded.target.tier,
            name: tierName(loaded.target.tier),
            reason: error.message,
          };
          await unload();
          loaded = await sessionFor(signal, onProgress);
          if (signal.aborted) throw cancelled();
          onReady?.(info(loaded));
          try {
            return await task(guarded(loaded.session));
          } catch (again) {
            throw again instanceof EngineFailure ? again.cause : again;
          }
        }
      });
      const done = turn.finally(() => {
        pending--;
        wanting.delete(me);
        if (running === me) running = null;
        startIdleTimer();
      });
      // The queue only orders work: one task's failure must not fail the next.
      queue = done.catch(() => {});
      // A request stopped while it waits settles at once and its turn is skipped; a running one ends at
      // its next step, as the task sees the signal.
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          stopLoadIfUnwanted();
          if (started) return;
          if (onWaiting) waiting.delete(onWaiting);
          reject(cancelled());
        };
        if (signal.aborted) onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        done.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    },

    reconfigure() {
      stale = true;
    },

    failures: () => failed,

    forgetFailure(tier) {
      failed.delete(tier);
    },

    forget(cacheKey) {
      current?.session.forget?.(cacheKey);
    },

    async dispose() {
      stopIdleTimer();
      await unload();
    },
  };
}
