import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PROTOCOL, streamRequests, workerRequests } from '../../src/protocol/messages';
import { longArticleHtml } from '../support/article';
import {
  expectedOutcome,
  malformedRequest,
  malformedStreamTraffic,
  PORT_PREFIX,
} from '../support/malformed-messages';
import { type Browser, launchBrowser, type Site, serveSite } from './harness';

/*
 * The unit fuzz tests, smaller, against the real worker in Chromium: malformed requests and stream traffic
 * sent from an extension page through the browser's own messaging. Nothing is uncaught in the worker, every
 * reply is an `invalid-message` error, and afterwards a real request and a real summary succeed.
 */

const REQUESTS = 400;
const STREAMS = 100;

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
  const streamReplies = await page.evaluate(async (items) => {
    const results: { messages: unknown[]; disconnected: boolean }[] = [];
    for (const { kind, portName, message } of items) {
      const port = chrome.runtime.connect({ name: portName });
      const outcome = { messages: [] as unknown[], disconnected: false };
      port.onMessage.addListener((m) => outcome.messages.push(m));
      port.onDisconnect.addListener(() => {
        outcome.disconnected = true;
      });
      try {
        port.postMessage(message);
      } catch {
        // Already closed by the worker.
      }
      // A bad start is answered, however busy the machine; the rest get a moment to show they are not.
      const until = Date.now() + (kind === 'bad-start' ? 10_000 : 50);
      while (Date.now() < until && outcome.messages.length === 0 && !outcome.disconnected)
        await new Promise((resolve) => setTimeout(resolve, 10));
      port.disconnect();
      results.push(outcome);
    }
    return results;
  }, traffic);
  streamReplies.forEach((outcome, i) => {
    const { kind, portName } = traffic[i] as (typeof traffic)[number];
    for (const reply of outcome.messages) {
      // The only reply malformed traffic ever gets is an invalid-message error.
      expect(reply, `${kind} on ${portName}`).toMatchObject({
        kind: 'error',
        error: { code: 'invalid-message' },
      });
    }
    if (kind === 'bad-start') expect(outcome.messages, portName).toHaveLength(1);
    if (kind === 'port-name' && portName.startsWith(PORT_PREFIX)) expect(outcome.disconnected).toBe(true);
  });
  console.log(
    `[fuzz e2e] ${REQUESTS} requests (${invalid} invalid-message, ${ignored} ignored), ${STREAMS} streams to the real worker`,
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
