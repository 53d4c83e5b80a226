// @vitest-environment jsdom
import { fakeBrowser } from '@webext-core/fake-browser';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import type { Runtime } from 'webextension-polyfill';
import { fromErrorData } from '../../../src/errors';
import { contentRequests, PROTOCOL } from '../../../src/protocol';
import { fuzzRuns, type MalformedKind, malformedRequest, tally } from '../../support/malformed-messages';
import { webPage } from '../support/senders';

/*
 * Fuzzing the content script as it registers itself (content/index.ts, on a jsdom page): malformed requests
 * are ignored or answered `invalid-message`, nothing is thrown, and the page is read afterwards as usual.
 */

const RUNS = fuzzRuns();

/** The worker, as the content script sees it: this extension, no tab. */
const worker: Runtime.MessageSender = { id: 'test-extension-id' };

test(`${RUNS} malformed requests to the content script: each ignored or answered invalid-message; then it reads the page`, {
  timeout: 60_000 + RUNS * 5,
}, async () => {
  document.title = 'The harbour';
  document.body.innerHTML = `<article><h1>The harbour</h1>${'<p>The breakwater was built in 1962 by the town, stone by stone, over three long summers.</p>'.repeat(12)}</article>`;
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
    // A web page's own scripts can't reach runtime.onMessage; another extension's messages are ignored.
    const foreign = Math.max(1, Math.floor(RUNS / 10));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(webPage), fc.record({ id: fc.string({ maxLength: 32 }) })),
        async (sender) => {
          fc.pre(sender.id !== 'test-extension-id');
          expect(await send({ protocol: PROTOCOL, name: 'extractPage', data: {} }, sender)).toBeUndefined();
        },
      ),
      { numRuns: foreign },
    );
    console.log(
      `[fuzz] content script: ${sent.total()} malformed (${sent.line()}), ${foreign} from foreign senders`,
    );
    expect(sent.total()).toBe(RUNS);
    expect(uncaught).toEqual([]);

    const page = await send({ protocol: PROTOCOL, name: 'extractPage', data: {} });
    expect(page).toMatchObject({ ok: true, value: { title: 'The harbour' } });
    expect((page?.value as { text?: string } | undefined)?.text).toContain(
      'The breakwater was built in 1962',
    );
  } finally {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  }
});
