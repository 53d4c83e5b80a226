import { type AttachedTarget, autoAttach } from './auto-attach';
import { connectCdp } from './cdp-connection';
import type { Browser } from './harness';

/** One request the browser was about to send, and who sent it. */
export interface RecordedRequest {
  url: string;
  method: string;
  /** The CDP target type: `page`, `service_worker`, `worker`, `background_page`, `browser_ui`... */
  targetType: string;
  /** The URL of the sending target (the extension's worker, a page). */
  targetUrl: string;
}

/** A response the stand-in hub gives, or `disconnected` to fail the request as a cut network does. */
export type HubReply = { status: number; headers: Record<string, string>; body: Buffer } | 'disconnected';

/** Answers one request to the hub, from whichever target sent it. */
export type HubAnswerer = (request: { url: string; range: string | null; targetType: string }) => HubReply;

export interface NetworkRecorder {
  /** Every request recorded so far, from every target. */
  readonly requests: readonly RecordedRequest[];
  /** The types of every target seen. */
  readonly targetTypes: ReadonlySet<string>;
  /** The targets watched, each prepared before it ran (or already running when recording began). */
  readonly targets: readonly AttachedTarget[];
  /** Targets that could not be watched, or hub requests that could not be answered: a test fails on any. */
  readonly failures: readonly string[];
  /** Cuts the network (or gives it back) on every target, present and future. */
  setOffline(offline: boolean): Promise<void>;
  stop(): void;
}

const HUB_PATTERN = 'https://huggingface.co/*';

/*
 * A dedicated worker has neither network emulation ("Not supported") nor the Fetch domain ("wasn't found"):
 * its requests are still recorded, and a request of one to the hub would go unanswered.
 */

/**
 * Records every request the browser makes, from every target, over a CDP connection of its own: browser-level
 * auto-attach (flat sessions, each new target held until it is watched) enables the Network domain on
 * pages, the extension's service worker, its offscreen document, extension pages, their workers and the
 * browser's UI. With `answerHub`, the same sessions answer the hub's requests through the Fetch domain,
 * on every target: Playwright's routes reach neither the offscreen document nor its workers.
 */
export async function recordNetwork(browser: Browser, answerHub?: HubAnswerer): Promise<NetworkRecorder> {
  const cdp = await connectCdp(browser.cdpEndpoint);
  const seen: { url: string; method: string; target: AttachedTarget }[] = [];
  const hubFailures: string[] = [];
  // Filled as each target is prepared, before its Network domain is on: no event arrives ahead of it.
  const bySession = new Map<string, AttachedTarget>();
  let offline = false;

  const networkConditions = async (target: AttachedTarget) => {
    if (target.type === 'worker') return;
    await cdp.send(
      'Network.emulateNetworkConditions',
      { offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 },
      target.sessionId,
    );
  };

  cdp.onEvent(({ method, params, sessionId }) => {
    const target = bySession.get(sessionId ?? '');
    if (!target) return;
    if (method === 'Network.requestWillBeSent') {
      const { request } = params as { request: { url: string; method: string } };
      seen.push({ url: request.url, method: request.method, target });
    } else if (method === 'Fetch.requestPaused' && answerHub) {
      const { requestId, request } = params as {
        requestId: string;
        request: { url: string; headers: Record<string, string> };
      };
      const range = request.headers.Range ?? request.headers.range ?? null;
      const reply = answerHub({ url: request.url, range, targetType: target.type });
      const sent =
        reply === 'disconnected'
          ? cdp.send('Fetch.failRequest', { requestId, errorReason: 'InternetDisconnected' }, sessionId)
          : cdp.send(
              'Fetch.fulfillRequest',
              {
                requestId,
                responseCode: reply.status,
                responseHeaders: Object.entries(reply.headers).map(([name, value]) => ({ name, value })),
                body: reply.body.toString('base64'),
              },
              sessionId,
            );
      sent.catch((error: Error) => {
        if (watch.attached(target.sessionId)) hubFailures.push(`${request.url}: ${error.message}`);
      });
    }
  });

  const watch = await autoAttach(cdp, async (target) => {
    bySession.set(target.sessionId, target);
    await cdp.send('Network.enable', {}, target.sessionId);
    if (offline) await networkConditions(target);
    if (answerHub && target.type !== 'worker')
      await cdp.send('Fetch.enable', { patterns: [{ urlPattern: HUB_PATTERN }] }, target.sessionId);
  });

  return {
    get requests() {
      return seen.map(({ url, method, target }) => ({
        url,
        method,
        targetType: target.type,
        targetUrl: target.url,
      }));
    },
    targetTypes: watch.types,
    targets: watch.targets,
    get failures() {
      return [...watch.failures, ...hubFailures];
    },
    async setOffline(value) {
      offline = value;
      await Promise.all(
        watch.targets
          .filter((target) => watch.attached(target.sessionId))
          .map((target) =>
            networkConditions(target).catch((error: Error) => {
              if (watch.attached(target.sessionId))
                throw new Error(`${target.type} ${target.url}: ${error.message}`);
            }),
          ),
      );
    },
    stop() {
      cdp.close();
    },
  };
}
