import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PROTOCOL, streamRequests, workerRequests } from '../../src/protocol/messages';
import { longArticleHtml } from '../support/article';
import {
  expectedOutcome,
  malformedRequest,
  malformedStreamTraffic,
  PORT_PREFIX,
  tally,
} from '../support/malformed-messages';
import { type Browser, launchBrowser, type Site, serveSite } from './harness';

/*
 * The unit fuzz tests, smaller, against the real worker in Chromium: malformed requests and stream traffic
 * sent from an extension page through the browser's own messaging. Nothing is uncaught in the worker, every
 * reply is an `invalid-message` error, each stream port is judged on an answer, a close or a probe's reply
 * (never on a fixed silence), and afterwards a real request and a real summary succeed.
 */

const REQUESTS = 400;
const STREAMS = 100;
/** How long a stream port may take to answer or close, on a loaded machine: each waits for an event. */
const STREAM_REPLY_BOUND_MS = 10_000;

let browser: Browser;
let site: Site;

beforeAll(async () => {
  site = await serveSite({ '/article': longArticleHtml('The harbour, sixty years on', 1_200) });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

/** Samples that are still malformed after the JSON trip the browser's messaging makes. */
function requestSamples() {
  return fc
    .sample(malformedRequest(workerRequests), { numRuns: REQUESTS * 3, seed: 13 })
    .map(({ message }) => (message === undefined ? undefined : JSON.parse(JSON.stringify(message) ?? 'null')))
    .map((message) => ({ message, expected: expectedOutcome(workerRequests, message) }))
    .filter(({ message, expected }) => expected !== 'valid' && message !== undefined)
    .slice(0, REQUESTS);
}

function streamSamples() {
  return fc
    .sample(malformedStreamTraffic(streamRequests), { numRuns: STREAMS * 2, seed: 13 })
    .map(({ kind, portName, message }) => ({
      kind,
      portName,
      message: JSON.parse(JSON.stringify(message) ?? 'null') as unknown,
    }))
    .filter(({ kind, portName, message }) => {
      // JSON turns -0 into 0 and drops undefined: what became valid on the way is no longer malformed.
      const m = message as { tabId?: unknown; data?: unknown } | null;
      if (kind === 'bad-attach') return !(Number.isInteger(m?.tabId) && (m?.tabId as number) >= 0);
      // A start whose `data` JSON dropped is junk to the worker, not a start.
      if (kind === 'bad-start' && !Object.hasOwn(m ?? {}, 'data')) return false;
      if (kind === 'bad-start') {
        const name = portName.slice(PORT_PREFIX.length) as keyof typeof streamRequests;
        return (
          expectedOutcome({ [name]: streamRequests[name] }, { protocol: PROTOCOL, name, data: m?.data }) !==
          'valid'
        );
      }
      return true;
    })
    .slice(0, STREAMS);
}

test(`${REQUESTS} malformed requests and ${STREAMS} malformed streams to the real worker; then real work succeeds`, async () => {
  const { tabId } = await browser.openTab(`${site.origin}/article`);
  // Anything thrown and not caught in the worker lands here.
  await browser.worker.evaluate(() => {
    const scope = self as unknown as { fuzzErrors: string[] };
    scope.fuzzErrors = [];
    self.addEventListener('error', (event) => scope.fuzzErrors.push(String(event.message)));
    self.addEventListener('unhandledrejection', (event) => scope.fuzzErrors.push(String(event.reason)));
  });
  const page = await browser.openExtensionPage('popup/index.html');
  const requests = requestSamples();
  expect(requests).toHaveLength(REQUESTS);

  const replies = await page.evaluate(
    async (messages) => {
      const results: { reply?: unknown; error?: string }[] = [];
      for (const message of messages) {
        try {
          results.push({ reply: await chrome.runtime.sendMessage(message) });
        } catch (error) {
          results.push({ error: String(error) });
        }
      }
      return results;
    },
    requests.map(({ message }) => message),
  );
  let invalid = 0;
  let ignored = 0;
  replies.forEach((outcome, i) => {
    const { expected, message } = requests[i] as (typeof requests)[number];
    if (expected === 'invalid') {
      invalid++;
      expect(outcome.reply, JSON.stringify(message)).toMatchObject({
        ok: false,
        error: { code: 'invalid-message' },
      });
    } else {
      ignored++;
      // Nobody answers a message that is not ours: the browser says so, or the reply is empty.
      expect(outcome.reply ?? undefined, JSON.stringify(message)).toBeUndefined();
    }
  });

  const traffic = streamSamples();
  expect(traffic).toHaveLength(STREAMS);
  const streamReplies = await page.evaluate(
    async ({ items, prefix, bound }) => {
      const sleep = () => new Promise((resolve) => setTimeout(resolve, 5));
      // An attach to a tab no job runs for is answered `idle` at once: the worker's word that it read all
      // sent before it on that port (a port keeps its messages' order). A malformed message the worker took
      // for a request would leave the probe unanswered instead (one request per port).
      const probe = { kind: 'attach', tabId: 2_147_483_647 };
      /** A port to a stream whose probe was answered idle: the worker has read every earlier port. */
      const barrier = () => {
        const state = { idle: false, port: chrome.runtime.connect({ name: `${prefix}summarize` }) };
        state.port.onMessage.addListener((m: { kind?: string }) => {
          state.idle ||= m.kind === 'idle';
        });
        state.port.postMessage(probe);
        return state;
      };
      const outcomes: { messages: unknown[]; disconnected: boolean; timedOut: boolean; settledAt: number }[] =
        [];
      const ports: chrome.runtime.Port[] = [];
      for (const { kind, portName, message } of items) {
        const port = chrome.runtime.connect({ name: portName });
        const outcome = { messages: [] as unknown[], disconnected: false, timedOut: false, settledAt: 0 };
        port.onMessage.addListener((m) => outcome.messages.push(m));
        port.onDisconnect.addListener(() => {
          outcome.disconnected = true;
        });
        try {
          port.postMessage(message);
          if (kind !== 'port-name') port.postMessage(probe);
        } catch {
          // Already closed by the worker.
        }
        // A port that is no stream at all is nobody's, so its probe is another port's.
        const next = kind === 'port-name' && !portName.startsWith(prefix) ? barrier() : undefined;
        const settled = () => outcome.messages.length > 0 || outcome.disconnected || next?.idle === true;
        const until = Date.now() + bound;
        while (!settled() && Date.now() < until) await sleep();
        outcome.timedOut = !settled();
        outcome.settledAt = outcome.messages.length;
        if (next) ports.push(next.port);
        ports.push(port);
        outcomes.push(outcome);
      }
      // Every port stays open to the end, so a late reply to an early one still lands.
      const last = barrier();
      const until = Date.now() + bound;
      while (!last.idle && Date.now() < until) await sleep();
      for (const port of [...ports, last.port]) port.disconnect();
      return outcomes.map(({ messages, settledAt, ...outcome }) => ({
        ...outcome,
        messages: messages.slice(0, settledAt),
        late: messages.slice(settledAt),
      }));
    },
    { items: traffic, prefix: PORT_PREFIX, bound: STREAM_REPLY_BOUND_MS },
  );
  const streamKinds = tally<string>();
  streamReplies.forEach((outcome, i) => {
    const { kind, portName } = traffic[i] as (typeof traffic)[number];
    const label = `${kind} on ${portName}`;
    // Every port gets its answer, or its close, within the bound: none is judged by a silence; and
    // nothing came after it, however late.
    expect(outcome.timedOut, label).toBe(false);
    expect(outcome.late, label).toEqual([]);
    if (kind === 'bad-start') {
      // Answered invalid-message, first: a reply to the probe would come after it.
      expect(outcome.messages, label).toEqual([
        expect.objectContaining({
          kind: 'error',
          error: expect.objectContaining({ code: 'invalid-message' }),
        }),
      ]);
      streamKinds.add('bad-start answered invalid-message');
    } else if (kind === 'port-name') {
      // Not a stream: no answer; one named like ours but unknown is closed.
      expect(outcome.messages, label).toEqual([]);
      if (portName.startsWith(PORT_PREFIX)) expect(outcome.disconnected, label).toBe(true);
      streamKinds.add(
        portName.startsWith(PORT_PREFIX) ? 'unknown stream closed' : 'not a stream, unanswered',
      );
    } else {
      // Junk and bad attaches get nothing: the probe's idle is the only message, and the port stays open.
      expect(outcome.messages, label).toEqual([{ kind: 'idle' }]);
      expect(outcome.disconnected, label).toBe(false);
      streamKinds.add(`${kind} unanswered`);
    }
  });
  console.log(
    `[fuzz e2e] ${REQUESTS} requests (${invalid} invalid-message, ${ignored} ignored), ${STREAMS} streams to the real worker (${streamKinds.line()})`,
  );

  expect(
    await browser.worker.evaluate(() => (self as unknown as { fuzzErrors: string[] }).fuzzErrors),
  ).toEqual([]);

  // A real request, then a real summary, from the same page.
  const readable = await page.evaluate(
    ({ protocol, tabId }) =>
      chrome.runtime.sendMessage({ protocol, name: 'getTabReadability', data: { tabId } }),
    { protocol: PROTOCOL, tabId },
  );
  expect(readable).toEqual({ ok: true, value: { unreadable: null } });
  const summary = await page.evaluate(
    ({ portName, tabId }) =>
      new Promise<unknown>((resolve) => {
        const port = chrome.runtime.connect({ name: portName });
        port.onMessage.addListener((m: { kind: string }) => {
          if (m.kind === 'done' || m.kind === 'error') resolve(m);
        });
        port.postMessage({ kind: 'start', data: { tabId, length: 'brief' } });
      }),
    { portName: `${PORT_PREFIX}summarize`, tabId },
  );
  expect(summary).toMatchObject({ kind: 'done', result: { parts: 1 } });
  expect((summary as { result: { text: string } }).result.text.length).toBeGreaterThan(0);
});
