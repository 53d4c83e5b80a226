import * as v from 'valibot';
import browser, { type Runtime, type Tabs } from 'webextension-polyfill';
import { AppError, cancelled, isCancellation, localMessage, toErrorData } from '../errors';
import { samePage } from '../page-url';
import {
  type DataOf,
  type QueueAhead,
  type StreamEvent,
  type StreamResults,
  streamRequests,
} from './messages';
import { ClientPortMessage, PORT_PREFIX, type PortMessage } from './streams';

export interface StreamContext {
  /** Aborts on Stop, when the tab moves to another page or closes, or when a new request replaces this one. */
  signal: AbortSignal;
  emit(event: StreamEvent): void;
  sender: Runtime.MessageSender;
  /** For the engine's queue: who asks, and where to say what it waits for. */
  queue: { owner: string; onWaiting(ahead: string | undefined): void };
}

type StreamHandlers = {
  [K in keyof StreamResults]: (
    data: DataOf<typeof streamRequests, K>,
    context: StreamContext,
  ) => Promise<StreamResults[K]>;
};

/**
 * Chrome stops a worker that makes no extension call for 30 s, even mid-computation, and a job whose
 * popup closed sends nothing (developer.chrome.com/docs/extensions/develop/concepts/service-workers/lifecycle).
 * Firefox suspends an idle background page after `extensions.background.idle.timeout` (30 s), even with a
 * timer running or a silent port open; an extension call from the background resets that timer too. So a job
 * calls one at its start, on each event it emits (at most every {@link EVENT_KEEPALIVE_MS}) and every
 * {@link KEEPALIVE_MS} through silent stretches (a model's load): often enough that the Firefox lifetime test
 * holds with the timeout lowered to 1 s. A call costs microseconds.
 */
const KEEPALIVE_MS = 500;
/** The least time between two of a job's event pings: tokens come far faster than any idle timeout. */
const EVENT_KEEPALIVE_MS = 250;

/**
 * How long a job's end is kept for a client that was told it runs (`answering`, `running`) and attaches just
 * after it ended: it gets the end itself, not `idle`, so it need not ask again for what the job left.
 */
const ENDED_KEEP_MS = 30_000;

let lastPing = 0;

/** The cheapest extension call: it tells Chrome the worker is busy, and Firefox its background page. */
function ping(): void {
  lastPing = Date.now();
  Promise.resolve()
    .then(() => browser.runtime.getPlatformInfo())
    .catch(() => {});
}

/** The running jobs, as far as the worker's other handlers need to know. */
export interface StreamServer {
  /** Whether a request of this kind runs for the tab. */
  isRunning(name: keyof StreamResults, tabId: number): boolean;
  /** Stops every job of this kind, in every tab ("Clear all" stops the answers being written). */
  stopAll(name: keyof StreamResults): void;
  /** Stops the jobs of this kind that `matches` picks by their request and events so far (a deleted chat's). */
  stopWhere<K extends keyof StreamResults>(name: K, matches: (job: JobView<K>) => boolean): void;
}

/** What a job shows of itself to {@link StreamServer.stopWhere}. */
export interface JobView<K extends keyof StreamResults> {
  data: DataOf<typeof streamRequests, K>;
  events: readonly StreamEvent[];
}

/** One streamed request, running in the worker for a tab, whoever is watching it. */
interface Job {
  key: string;
  name: keyof StreamResults;
  tabId: number;
  /** The request as validated. */
  data: unknown;
  /** The job the engine is busy with while this one waits for it. */
  waitingFor: string | undefined;
  /**
   * The page the tab showed when the job started: moving to another page ends it. Asked for as the job is
   * created, so a navigation reported before the answer comes is still compared with the page it left.
   */
  url: Promise<string | undefined>;
  controller: AbortController;
  /** Its events so far, compacted: what an attaching client is sent first. */
  log: StreamEvent[];
  clients: Set<Runtime.Port>;
}

/** Adds an event to a job's log, keeping it short: streamed text joined, only the latest of the rest. */
export function appendToLog(log: StreamEvent[], event: StreamEvent): void {
  const last = log.at(-1);
  if (event.type === 'token') {
    if (last?.type === 'token') log[log.length - 1] = { type: 'token', text: last.text + event.text };
    else log.push(event);
    return;
  }
  // A new stage makes earlier progress reports moot.
  const superseded = (type: StreamEvent['type']) =>
    type === event.type ||
    (event.type === 'stage' && (type === 'modelProgress' || type === 'promptProgress' || type === 'waiting'));
  for (let i = log.length - 1; i >= 0; i--) {
    if (superseded((log[i] as StreamEvent).type)) log.splice(i, 1);
  }
  log.push(event);
}

/** The job ahead, as the waiting one describes it to its user. */
function describe(ahead: Job, waiting: Job): QueueAhead {
  const stage = ahead.log.findLast((event) => event.type === 'stage');
  const part = ahead.name === 'summarize' && stage?.type === 'stage' ? (stage.part ?? null) : null;
  return { kind: ahead.name, sameTab: ahead.tabId === waiting.tabId, part };
}

/**
 * Serves streamed requests as jobs, one per kind and tab. A job runs to its end when its client goes away
 * (the popup closes); it stops on Stop, when its tab moves to another page or closes, or when a new request
 * of its kind for the tab replaces it. A client can attach to it again and gets its events so far.
 */
export function onStreams(
  handlers: StreamHandlers,
  isAllowedSender: (sender: Runtime.MessageSender) => boolean,
): StreamServer {
  const jobs = new Map<string, Job>();
  /** Jobs that ended moments ago: their events and their end, by key. */
  const ended = new Map<string, { log: StreamEvent[]; end: PortMessage; at: number }>();
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  const keyOf = (name: string, tabId: number) => `${name}:${tabId}`;

  const post = (port: Runtime.Port, message: PortMessage) => {
    try {
      port.postMessage(message);
    } catch {
      // The client went away between two events; its disconnect listener forgets it.
    }
  };
  const broadcast = (job: Job, message: PortMessage) => {
    for (const port of job.clients) post(port, message);
  };

  const emit = (job: Job, event: StreamEvent) => {
    if (Date.now() - lastPing >= EVENT_KEEPALIVE_MS) ping();
    appendToLog(job.log, event);
    broadcast(job, { kind: 'event', event });
    // Those waiting behind this job see how far along it is, which only its stage tells.
    if (event.type !== 'stage') return;
    for (const other of jobs.values()) if (other.waitingFor === job.key) tellWaiting(other);
  };

  /** Tells a waiting job what the engine is busy with, when that changed. */
  const tellWaiting = (job: Job) => {
    const ahead = job.waitingFor === undefined ? undefined : jobs.get(job.waitingFor);
    const event: StreamEvent = { type: 'waiting', ahead: ahead ? describe(ahead, job) : null };
    const last = job.log.findLast((e) => e.type === 'waiting');
    if (last && JSON.stringify(last) === JSON.stringify(event)) return;
    emit(job, event);
  };

  const finish = (key: string, job: Job, end: PortMessage) => {
    if (jobs.get(key) === job) {
      jobs.delete(key);
      ended.set(key, { log: job.log, end, at: Date.now() });
    }
    for (const [other, { at }] of ended) if (Date.now() - at > ENDED_KEEP_MS) ended.delete(other);
    if (jobs.size === 0 && keepAlive !== undefined) {
      clearInterval(keepAlive);
      keepAlive = undefined;
    }
  };

  const start = (name: keyof StreamResults, data: unknown, port: Runtime.Port): Job | undefined => {
    const parsed = v.safeParse(streamRequests[name], data);
    if (!parsed.success) {
      post(port, {
        kind: 'error',
        error: toErrorData(new AppError('invalid-message', localMessage('error_malformed_request', name))),
      });
      return undefined;
    }
    const { tabId } = parsed.output;
    const key = keyOf(name, tabId);
    jobs.get(key)?.controller.abort(cancelled());
    ended.delete(key);
    const job: Job = {
      key,
      name,
      tabId,
      data: parsed.output,
      waitingFor: undefined,
      url: startUrl(tabId),
      controller: new AbortController(),
      log: [],
      clients: new Set([port]),
    };
    jobs.set(key, job);
    // At once too: Firefox may be about to suspend a background that was idle until this request came.
    ping();
    keepAlive ??= setInterval(ping, KEEPALIVE_MS);
    // The schema for `name` validated `parsed.output`; TypeScript can't correlate the two unions.
    const handler = handlers[name] as (data: unknown, context: StreamContext) => Promise<unknown>;
    handler(parsed.output, {
      signal: job.controller.signal,
      emit: (event) => {
        job.waitingFor = undefined;
        emit(job, event);
      },
      sender: port.sender as Runtime.MessageSender,
      queue: {
        owner: key,
        onWaiting: (ahead) => {
          job.waitingFor = ahead;
          tellWaiting(job);
        },
      },
    })
      .then(
        (result): PortMessage => ({ kind: 'done', result }),
        (thrown): PortMessage => {
          // A stopped job ends as stopped, whatever its work failed on as it was cut off.
          const error = job.controller.signal.aborted ? job.controller.signal.reason : thrown;
          if (!isCancellation(error)) console.error(`[${name}]`, error);
          return { kind: 'error', error: toErrorData(error) };
        },
      )
      .then((end) => {
        broadcast(job, end);
        finish(key, job, end);
      });
    return job;
  };

  const attach = (name: keyof StreamResults, tabId: number, port: Runtime.Port): Job | undefined => {
    const key = keyOf(name, tabId);
    const job = jobs.get(key);
    if (!job) {
      const last = ended.get(key);
      const recent = last !== undefined && Date.now() - last.at <= ENDED_KEEP_MS;
      for (const event of recent ? last.log : []) post(port, { kind: 'event', event });
      post(port, recent ? last.end : { kind: 'idle' });
      return undefined;
    }
    for (const event of job.log) post(port, { kind: 'event', event });
    job.clients.add(port);
    return job;
  };

  const onConnect = (port: Runtime.Port) => {
    if (!port.name.startsWith(PORT_PREFIX)) return;
    const name = port.name.slice(PORT_PREFIX.length);
    if (!Object.hasOwn(streamRequests, name) || !port.sender || !isAllowedSender(port.sender)) {
      port.disconnect();
      return;
    }
    const kind = name as keyof StreamResults;
    let job: Job | undefined;
    let asked = false;
    port.onDisconnect.addListener(() => job?.clients.delete(port));
    port.onMessage.addListener((message: unknown) => {
      const parsed = v.safeParse(ClientPortMessage, message);
      if (!parsed.success) return;
      const request = parsed.output;
      if (request.kind === 'stop') {
        job?.controller.abort(cancelled());
        return;
      }
      // One request per port.
      if (asked) return;
      asked = true;
      job = request.kind === 'start' ? start(kind, request.data, port) : attach(kind, request.tabId, port);
    });
  };

  /** Stops a tab's jobs: all of them, or those about another page than `url`. */
  const stopTab = (tabId: number, url?: string) => {
    for (const job of jobs.values()) {
      if (job.tabId !== tabId) continue;
      if (url === undefined) job.controller.abort(cancelled());
      else
        void job.url.then((start) => {
          if (start !== undefined && !samePage(start, url)) job.controller.abort(cancelled());
        });
    }
  };
  const onRemoved = (tabId: number) => {
    stopTab(tabId);
    for (const name of Object.keys(streamRequests)) ended.delete(keyOf(name, tabId));
  };
  const onUpdated = (tabId: number, change: Tabs.OnUpdatedChangeInfoType) => {
    if (change.url !== undefined) stopTab(tabId, change.url);
  };

  browser.runtime.onConnect.addListener(onConnect);
  browser.tabs.onRemoved.addListener(onRemoved);
  browser.tabs.onUpdated.addListener(onUpdated);
  return {
    isRunning: (name, tabId) => jobs.has(keyOf(name, tabId)),
    stopAll(name) {
      for (const job of jobs.values()) if (job.name === name) job.controller.abort(cancelled());
    },
    stopWhere(name, matches) {
      for (const job of jobs.values()) {
        if (job.name !== name) continue;
        // `data` was validated by the schema of `job.name`, which is `name` here.
        const view = { data: job.data, events: job.log } as JobView<typeof name>;
        if (matches(view)) job.controller.abort(cancelled());
      }
    },
  };
}

/** The tab's URL now, asked at once; undefined when the tab is gone. */
function startUrl(tabId: number): Promise<string | undefined> {
  return browser.tabs.get(tabId).then(
    (tab) => tab?.url,
    () => undefined,
  );
}
