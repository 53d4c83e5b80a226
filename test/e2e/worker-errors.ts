import type { BrowserContext, CDPSession } from 'playwright-core';

/** An exception the extension's service worker did not catch, as DevTools reports it. */
export interface WorkerException {
  text: string;
  description: string;
}

/** Records what the worker throws and nobody catches (unhandled rejections included). */
export interface WorkerErrors {
  readonly exceptions: readonly WorkerException[];
  stop(): Promise<void>;
}

interface TargetInfo {
  targetId: string;
  type: string;
  url: string;
}

interface ExceptionThrown {
  exceptionDetails: { text: string; exception?: { description?: string } };
}

/**
 * Attaches to the extension's service worker over a browser-level CDP session and records every
 * `Runtime.exceptionThrown` from it ("Uncaught (in promise)" is how an unhandled rejection arrives). It follows
 * the worker across restarts: each new worker target is attached to as Chrome starts it.
 *
 * The worker's session is not flattened: playwright-core's browser session does not hand a flattened child
 * session's events to its client, so messages go through `Target.sendMessageToTarget` and come back as
 * `Target.receivedMessageFromTarget`.
 */
export async function watchWorkerErrors(context: BrowserContext, extensionId: string): Promise<WorkerErrors> {
  const cdp: CDPSession | undefined = await context.browser()?.newBrowserCDPSession();
  if (!cdp) throw new Error('No browser-level CDP session: launch Chromium through playwright-core.');
  const exceptions: WorkerException[] = [];
  const attached = new Set<string>();
  const isOurWorker = (target: TargetInfo) =>
    target.type === 'service_worker' && target.url.startsWith(`chrome-extension://${extensionId}/`);
  let nextId = 1;
  const sendTo = (sessionId: string, method: string) =>
    cdp.send('Target.sendMessageToTarget', {
      sessionId,
      message: JSON.stringify({ id: nextId++, method }),
    });

  cdp.on('Target.receivedMessageFromTarget', ({ message }: { message: string }) => {
    const parsed = JSON.parse(message) as { method?: string; params?: ExceptionThrown };
    if (parsed.method !== 'Runtime.exceptionThrown' || !parsed.params) return;
    const { exceptionDetails } = parsed.params;
    exceptions.push({
      text: exceptionDetails.text,
      description: exceptionDetails.exception?.description ?? '',
    });
  });

  const attach = async (target: TargetInfo) => {
    if (!isOurWorker(target) || attached.has(target.targetId)) return;
    attached.add(target.targetId);
    const { sessionId } = (await cdp.send('Target.attachToTarget', {
      targetId: target.targetId,
      flatten: false,
    })) as { sessionId: string };
    await sendTo(sessionId, 'Runtime.enable');
  };

  cdp.on('Target.targetCreated', ({ targetInfo }: { targetInfo: TargetInfo }) => {
    void attach(targetInfo).catch(() => {});
  });
  await cdp.send('Target.setDiscoverTargets', { discover: true });
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: TargetInfo[] };
  await Promise.all(targetInfos.map(attach));
  if (attached.size === 0) throw new Error('The extension’s service worker is not running.');

  return {
    exceptions,
    stop: () => cdp.detach(),
  };
}
