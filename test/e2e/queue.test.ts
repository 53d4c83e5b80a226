import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { longArticleHtml } from '../support/article';
import { type Browser, launchBrowser, type Site, serveSite } from './harness';

let browser: Browser;
let site: Site;

beforeAll(async () => {
  site = await serveSite({ '/article': longArticleHtml('The harbour, sixty years on', 300) });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

const TABS = 20;
const CLOSED = 4;

/** What one request's client saw, in the page's order of arrival (`seq` counts every message of every port). */
interface Seen {
  tab: number;
  kind: 'summarize' | 'chat' | 'follow-up';
  started: number;
  /** When it reached the engine's queue: the worker says `loading` just before. */
  queued: number | null;
  firstToken: number | null;
  lastToken: number | null;
  text: string;
  outcome: 'done' | 'error' | null;
  errorCode?: string;
  /** The text the worker settled on: the summary, or the conversation's last answer. */
  result?: string;
  conversationId?: string;
}

describe('a queue you can trust', () => {
  test('20 tabs with 3 requests each: nothing mixed, arrival order kept, a closed tab’s requests dropped', async () => {
    const tabs: number[] = [];
    for (let i = 0; i < TABS; i++)
      tabs.push((await browser.openTab(`${site.origin}/article?copy=${i}`)).tabId);
    const page = await browser.openExtensionPage('popup/index.html');

    // Every request goes through a port of its own, as the popup and the panel open them.
    const seen = await page.evaluate(
      async ({ tabs, closed }) => {
        let seq = 0;
        const all: Seen[] = [];
        const request = (tab: number, kind: Seen['kind'], name: string, data: unknown) =>
          new Promise<Seen>((resolve) => {
            const entry: Seen = {
              tab,
              kind,
              started: ++seq,
              queued: null,
              firstToken: null,
              lastToken: null,
              text: '',
              outcome: null,
            };
            all.push(entry);
            const port = chrome.runtime.connect({ name: `pagewise/1:${name}` });
            port.onMessage.addListener((message) => {
              const n = ++seq;
              if (message.kind === 'event') {
                const event = message.event;
                if (event.type === 'stage' && event.stage === 'loading') entry.queued ??= n;
                if (event.type === 'token') {
                  entry.firstToken ??= n;
                  entry.lastToken = n;
                  entry.text += event.text;
                }
              } else if (message.kind === 'done') {
                entry.outcome = 'done';
                const result = message.result;
                entry.result = name === 'summarize' ? result.text : result.messages.at(-1)?.content;
                entry.conversationId = name === 'chat' ? result.id : undefined;
                port.disconnect();
                resolve(entry);
              } else if (message.kind === 'error') {
                entry.outcome = 'error';
                entry.errorCode = message.error.code;
                port.disconnect();
                resolve(entry);
              }
            });
            port.postMessage({ kind: 'start', data });
          });
        const chat = (tab: number, conversationId: string | null, question: string) => ({
          tabId: tab,
          conversationId,
          question,
          selection: null,
          preset: null,
          regenerate: false,
        });
        const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

        const finished: Promise<unknown>[] = [];
        for (const tab of tabs) {
          finished.push(request(tab, 'summarize', 'summarize', { tabId: tab, length: 'brief' }));
          await pause(20);
          const first = request(tab, 'chat', 'chat', chat(tab, null, 'Who runs the bakery?'));
          // The follow-up is asked once the first answer is in, as a person would.
          finished.push(
            first.then((answer) =>
              answer.outcome === 'done'
                ? request(tab, 'follow-up', 'chat', chat(tab, answer.conversationId ?? null, 'Since when?'))
                : answer,
            ),
          );
          await pause(20);
        }
        // The last tabs close while their requests are still waiting.
        await Promise.all(tabs.slice(-closed).map((tab) => chrome.tabs.remove(tab)));
        await Promise.all(finished);
        return all;
      },
      { tabs, closed: CLOSED },
    );

    const closedTabs = new Set(tabs.slice(-CLOSED));
    const kept = seen.filter((s) => !closedTabs.has(s.tab));
    const dropped = seen.filter((s) => closedTabs.has(s.tab));
    console.info(
      `[e2e] queue: ${kept.length} requests answered, ${dropped.length} dropped with their tabs ` +
        `(${dropped.map((s) => s.errorCode).join(', ')})`,
    );

    expect(kept).toHaveLength((TABS - CLOSED) * 3);
    expect(kept.every((s) => s.outcome === 'done')).toBe(true);
    // Nothing mixed: what each client was streamed is exactly what the worker settled on for it.
    for (const s of kept) expect(s.text).toBe(s.result);
    // One at a time: no request streams while another one does.
    const byFirstToken = kept
      .filter((s) => s.firstToken !== null)
      .sort((a, b) => (a.firstToken as number) - (b.firstToken as number));
    for (let i = 1; i < byFirstToken.length; i++) {
      expect(byFirstToken[i]?.firstToken).toBeGreaterThan(byFirstToken[i - 1]?.lastToken as number);
    }
    // Arrival order: requests are answered in the order they reached the queue.
    const byQueued = [...byFirstToken].sort((a, b) => (a.queued as number) - (b.queued as number));
    expect(byFirstToken.map((s) => s.started)).toEqual(byQueued.map((s) => s.started));

    // A closed tab's requests end as stopped and none of them is answered; its follow-up is never asked.
    expect(dropped.every((s) => s.outcome === 'error' && s.errorCode === 'cancelled')).toBe(true);
    expect(dropped.every((s) => s.kind !== 'follow-up')).toBe(true);
    expect(dropped.filter((s) => s.lastToken !== null && s.outcome === 'done')).toEqual([]);
    await page.close();
  });
});
