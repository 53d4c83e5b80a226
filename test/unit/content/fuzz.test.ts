// @vitest-environment jsdom
import { fakeBrowser } from '@webext-core/fake-browser';
import fc from 'fast-check';
import { expect, test, vi } from 'vitest';
import type { Runtime } from 'webextension-polyfill';
import { fromErrorData } from '../../../src/errors';
import { contentRequests, PROTOCOL } from '../../../src/protocol';
import { fuzzRuns, type MalformedKind, malformedRequest, tally } from '../../support/malformed-messages';
import { otherExtensionSender, webPageSender } from '../support/senders';

/*
 * Fuzzing the content script as it registers itself (content/index.ts, on a jsdom page): malformed requests
 * are ignored or answered `invalid-message`; web pages and other extensions are ignored, whatever they send;
 * nothing is thrown, and the page is read afterwards as usual.
 */

const RUNS = fuzzRuns();
const ARTICLE = 'The breakwater was built in 1962 by the town, stone by stone, over three long summers.';

/** A request of each name the content script serves, well-formed: a stranger must not get even these. */
const VALID_REQUESTS = [
  { protocol: PROTOCOL, name: 'extractPage', data: {} },
  { protocol: PROTOCOL, name: 'extractSelection', data: {} },
  { protocol: PROTOCOL, name: 'highlightText', data: { text: ARTICLE } },
];
const validRequest = fc.constantFrom(...VALID_REQUESTS);

/** The worker, as the content script sees it: this extension, no tab. */
const worker: Runtime.MessageSender = { id: 'test-extension-id' };

test(`${RUNS} malformed requests to the content script: each ignored or answered invalid-message; then it reads the page`, {
  timeout: 60_000 + RUNS * 5,
}, async () => {
  document.title = 'The harbour';
  document.body.innerHTML = `<article><h1>The harbour</h1>${`<p>${ARTICLE}</p>`.repeat(12)}</article>`;
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  // Imported here, not at the top: the setup's fakeBrowser.reset() before each test drops listeners.
  await import('../../../content/index');
  const send = async (message: unknown, sender: Runtime.MessageSender = worker) =>
    (await fakeBrowser.runtime.onMessage.trigger(message, sender as never, () => {})).find(
      (answer) => answer !== undefined,
    ) as { ok: boolean; value?: unknown; error?: Record<string, unknown> } | undefined;

  try {
    const sent = tally<MalformedKind>();
    await fc.assert(
      fc.asyncProperty(malformedRequest(contentRequests), async ({ kind, message }) => {
        sent.add(kind);
        const reply = await send(message);
        if (kind === 'bad-payload') {
          expect(reply?.ok).toBe(false);
          expect(fromErrorData(reply?.error as never).code).toBe('invalid-message');
        } else {
          expect(reply).toBeUndefined();
        }
      }),
      { numRuns: RUNS },
    );
    // Strangers: web pages and other extensions, with valid requests as well as malformed ones. None is
    // answered (not even `invalid-message`), and no handler runs: each starts by reading the DOM
    // (extractPage clones the document, extractSelection reads the selection, highlightText makes a range).
    const dom = [
      vi.spyOn(document, 'cloneNode'),
      vi.spyOn(window, 'getSelection'),
      vi.spyOn(document, 'createRange'),
    ];
    const strangers = tally<'web page' | 'other extension'>();
    const foreign = Math.max(100, Math.floor(RUNS / 10));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          webPageSender.map((sender) => ({ kind: 'web page' as const, sender })),
          otherExtensionSender.map((sender) => ({ kind: 'other extension' as const, sender })),
        ),
        fc.oneof(
          validRequest,
          malformedRequest(contentRequests).map(({ message }) => message),
        ),
        async ({ kind, sender }, message) => {
          strangers.add(kind);
          expect(await send(message, sender)).toBeUndefined();
        },
      ),
      { numRuns: foreign },
    );
    for (const spy of dom) expect(spy).not.toHaveBeenCalled();
    console.log(
      `[fuzz] content script: ${sent.total()} malformed (${sent.line()}), ${foreign} from strangers (${strangers.line()})`,
    );
    // Both kinds of stranger were sent, many times: none is dropped before it is sent.
    expect(strangers.total()).toBe(foreign);
    expect(strangers.count('web page')).toBeGreaterThan(foreign / 4);
    expect(strangers.count('other extension')).toBeGreaterThan(foreign / 4);
    expect(sent.total()).toBe(RUNS);
    expect(uncaught).toEqual([]);

    const page = await send({ protocol: PROTOCOL, name: 'extractPage', data: {} });
    expect(page).toMatchObject({ ok: true, value: { title: 'The harbour' } });
    expect((page?.value as { text?: string } | undefined)?.text).toContain(
      'The breakwater was built in 1962',
    );
    // The same requests from the worker run every handler, and the spies see them.
    for (const request of VALID_REQUESTS) expect(await send(request)).toMatchObject({ ok: true });
    for (const spy of dom) expect(spy).toHaveBeenCalled();
  } finally {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  }
});
