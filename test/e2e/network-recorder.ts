import type { BrowserContext, CDPSession, Request } from 'playwright-core';

/** One request the browser was about to send, and who sent it. */
export interface RecordedRequest {
  url: string;
  method: string;
  /** The CDP target type: `page`, `service_worker`, `worker`, `browser_ui`... */
  targetType: string;
  /** The URL of the sending target (the extension's worker, a page). */
  targetUrl: string;
  /** Which recorder saw it: CDP's Network domain on the target, or Playwright's request event. */
  via: 'cdp' | 'playwright';
}

export interface NetworkRecorder {
  /** Every request recorded so far, from every target. */
  readonly requests: RecordedRequest[];
  /** The types of every target seen, to show nothing went unwatched. */
  readonly targetTypes: Set<string>;
  /** Cuts the network (or gives it back) on every target, present and future. */
  setOffline(offline: boolean): Promise<void>;
  stop(): Promise<void>;
}

interface TargetInfo {
  targetId: string;
  type: string;
  url: string;
}

/**
 * Records every request the browser makes, from every target: a browser-level CDP session discovers each
 * target (pages, the extension's service worker, workers, an offscreen document, browser UI), attaches to
 * it and enables its Network domain. Playwright's own attachment, which holds new targets until it has
 * hooked them, adds its request events, so a page's first request cannot slip by before CDP attaches.
 *
 * Targets are attached without `flatten`: Playwright's CDP session object cannot address child sessions,
 * so commands and events travel through `Target.sendMessageToTarget` and `Target.receivedMessageFromTarget`.
 */
export async function recordNetwork(context: BrowserContext): Promise<NetworkRecorder> {
  const browser = context.browser();
  if (!browser) throw new Error('No browser behind this context to record its network');
  const cdp: CDPSession = await browser.newBrowserCDPSession();
  const requests: RecordedRequest[] = [];
  const targetTypes = new Set<string>();
  const sessions = new Map<string, TargetInfo>();
  const attached = new Set<string>();
  let offline = false;
  let nextId = 1;

  const sendTo = (sessionId: string, method: string, params: Record<string, unknown> = {}) =>
    cdp
      .send('Target.sendMessageToTarget', {
        sessionId,
        message: JSON.stringify({ id: nextId++, method, params }),
      })
      .catch(() => {
        // The target went away meanwhile.
      });
  const networkConditions = (sessionId: string) =>
    sendTo(sessionId, 'Network.emulateNetworkConditions', {
      offline,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });

  const attach = async (target: TargetInfo) => {
    targetTypes.add(target.type);
    if (target.type === 'browser' || attached.has(target.targetId)) return;
    attached.add(target.targetId);
    try {
      const { sessionId } = await cdp.send('Target.attachToTarget', {
        targetId: target.targetId,
        flatten: false,
      });
      sessions.set(sessionId, target);
      await sendTo(sessionId, 'Network.enable');
      if (offline) await networkConditions(sessionId);
    } catch {
      // Closed before we got to it.
    }
  };

  cdp.on('Target.receivedMessageFromTarget', ({ sessionId, message }) => {
    const parsed = JSON.parse(message) as {
      method?: string;
      params?: { request?: { url: string; method: string } };
    };
    const target = sessionId === undefined ? undefined : sessions.get(sessionId);
    if (parsed.method !== 'Network.requestWillBeSent' || !parsed.params?.request || !target) return;
    requests.push({
      url: parsed.params.request.url,
      method: parsed.params.request.method,
      targetType: target.type,
      targetUrl: target.url,
      via: 'cdp',
    });
  });
  cdp.on('Target.targetCreated', ({ targetInfo }) => void attach(targetInfo));
  cdp.on('Target.targetInfoChanged', ({ targetInfo }) => {
    targetTypes.add(targetInfo.type);
    for (const target of sessions.values())
      if (target.targetId === targetInfo.targetId) target.url = targetInfo.url;
  });
  await cdp.send('Target.setDiscoverTargets', { discover: true });
  const { targetInfos } = await cdp.send('Target.getTargets');
  await Promise.all(targetInfos.map(attach));

  const onRequest = (request: Request) => {
    const worker = request.serviceWorker();
    requests.push({
      url: request.url(),
      method: request.method(),
      targetType: worker ? 'service_worker' : 'page',
      targetUrl: worker ? worker.url() : (safeFrameUrl(request) ?? ''),
      via: 'playwright',
    });
  };
  context.on('request', onRequest);

  return {
    requests,
    targetTypes,
    async setOffline(value) {
      offline = value;
      await Promise.all([...sessions.keys()].map(networkConditions));
    },
    async stop() {
      context.off('request', onRequest);
      await cdp.detach().catch(() => {});
    },
  };
}

function safeFrameUrl(request: Request): string | undefined {
  try {
    return request.frame().url();
  } catch {
    return undefined;
  }
}
