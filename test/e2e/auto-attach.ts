import type { CdpConnection } from './cdp-connection';

/** A target held by one flat CDP session; `type` and `url` follow the target as it navigates. */
export interface AttachedTarget {
  sessionId: string;
  targetId: string;
  /** `page`, `service_worker`, `worker`, `background_page` (the offscreen document), `browser_ui`... */
  type: string;
  url: string;
  /** Whether Chromium held the target before its first line, until it was prepared. */
  pausedOnStart: boolean;
}

export interface AutoAttach {
  /** Every target type seen, including the types targets took later (the offscreen document starts as `other`). */
  readonly types: Set<string>;
  /** The targets prepared so far: started ones, and those that came later, each before it ran. */
  readonly targets: AttachedTarget[];
  /** What failed to prepare on a target that was still attached: a test fails on any. */
  readonly failures: string[];
  /** Whether a session is still attached (a closed page's is not). */
  attached(sessionId: string): boolean;
}

const AUTO_ATTACH = { autoAttach: true, waitForDebuggerOnStart: true, flatten: true };

/**
 * Attaches to every target of the browser, present and future, and to their children in turn (the workers of
 * pages), and runs `prepare` on each before letting it run: a target that starts later is held by Chromium
 * (`waitForDebuggerOnStart`) until then, so nothing it does goes unseen. A target reached through several
 * parents (a service worker, under the browser and under each of its pages) is prepared once.
 */
export async function autoAttach(
  cdp: CdpConnection,
  prepare: (target: AttachedTarget) => Promise<void>,
): Promise<AutoAttach> {
  const types = new Set<string>();
  const targets: AttachedTarget[] = [];
  const failures: string[] = [];
  const detached = new Set<string>();

  const onAttached = async (target: AttachedTarget) => {
    types.add(target.type);
    const first = !targets.some(
      (known) => known.targetId === target.targetId && !detached.has(known.sessionId),
    );
    const run = (method: string, params: Record<string, unknown> = {}) =>
      cdp.send(method, params, target.sessionId);
    try {
      if (first) {
        targets.push(target);
        await prepare(target);
        await run('Target.setAutoAttach', AUTO_ATTACH);
      }
    } catch (error) {
      // A session that went away meanwhile (a page closed, a service worker attached under a page that
      // navigated) was detached before the reply; anything else is a target left unwatched.
      if (!detached.has(target.sessionId))
        failures.push(`${target.type} ${target.url}: ${(error as Error).message}`);
    } finally {
      if (target.pausedOnStart)
        await run('Runtime.runIfWaitingForDebugger').catch((error: Error) => {
          if (!detached.has(target.sessionId))
            failures.push(`${target.type} ${target.url} never resumed: ${error.message}`);
        });
    }
  };

  cdp.onEvent(({ method, params }) => {
    if (method === 'Target.attachedToTarget') {
      const { sessionId, targetInfo, waitingForDebugger } = params as {
        sessionId: string;
        targetInfo: { targetId: string; type: string; url: string };
        waitingForDebugger: boolean;
      };
      void onAttached({
        sessionId,
        targetId: targetInfo.targetId,
        type: targetInfo.type,
        url: targetInfo.url,
        pausedOnStart: waitingForDebugger,
      });
    } else if (method === 'Target.detachedFromTarget') {
      detached.add((params as { sessionId: string }).sessionId);
    } else if (method === 'Target.targetInfoChanged') {
      const { targetInfo } = params as { targetInfo: { targetId: string; type: string; url: string } };
      types.add(targetInfo.type);
      for (const target of targets) {
        if (target.targetId !== targetInfo.targetId) continue;
        target.type = targetInfo.type;
        target.url = targetInfo.url;
      }
    }
  });
  // Discovery only follows targets' changes of type and URL; attaching is auto-attach's.
  await cdp.send('Target.setDiscoverTargets', { discover: true });
  await cdp.send('Target.setAutoAttach', AUTO_ATTACH);
  return { types, targets, failures, attached: (sessionId) => !detached.has(sessionId) };
}
