import { fakeBrowser } from '@webext-core/fake-browser';
import fc from 'fast-check';
import { describe, expect, test, vi } from 'vitest';
import type { Runtime } from 'webextension-polyfill';
import { fromErrorData } from '../../../src/errors';
import { createPdfReaderHandlers } from '../../../src/handlers/pdf-reader';
import { base64ToBytes } from '../../../src/pdf/base64';
import { isOwnContentScript, onRequests, PROTOCOL, pdfReaderRequests } from '../../../src/protocol';
import { fuzzRuns, malformedRequest } from '../../support/malformed-messages';
import { otherExtensionSender, popup, webPageSender } from '../support/senders';

// The worker's one door for content scripts: the PDF reader asks for cMaps and, in a file:// tab, its file.

const tab = { id: 4, index: 0, highlighted: false, active: true, pinned: false, incognito: false };
const readerIn = (url: string): Runtime.MessageSender => ({ id: 'test-extension-id', url, tab, frameId: 0 });

function serve(fetchFile: typeof fetch) {
  const handlers = createPdfReaderHandlers(fetchFile);
  onRequests(pdfReaderRequests, handlers, isOwnContentScript);
  return async (message: unknown, sender: Runtime.MessageSender) =>
    (await fakeBrowser.runtime.onMessage.trigger(message, sender as never, () => {})).find(
      (answer) => answer !== undefined,
    ) as { ok: boolean; value?: unknown; error?: Record<string, unknown> } | undefined;
}

const bytesResponse = (bytes: Uint8Array) =>
  new Response(new Blob([bytes as Uint8Array<ArrayBuffer>]), { status: 200 });

describe("the PDF reader's requests to the worker", () => {
  test('a cMap is read from the package and sent as base64', async () => {
    const fetchFile = vi.fn(async () => bytesResponse(new Uint8Array([1, 2, 3])));
    const send = serve(fetchFile as never);
    const reply = await send(
      { protocol: PROTOCOL, name: 'getCMap', data: { name: 'UniJIS-UCS2-H' } },
      readerIn('https://example.org/a.pdf'),
    );
    expect(base64ToBytes(reply?.value as string)).toEqual(new Uint8Array([1, 2, 3]));
    expect(fetchFile).toHaveBeenCalledWith(expect.stringMatching(/\/pdf\/cmaps\/UniJIS-UCS2-H\.bcmap$/));
  });

  test("a file:// tab gets its own file's bytes, and only a file:// tab", async () => {
    const file = new Uint8Array(10).map((_, i) => i);
    const fetchFile = vi.fn(async () => bytesResponse(file));
    const send = serve(fetchFile as never);
    const reply = await send(
      { protocol: PROTOCOL, name: 'readPdfFile', data: { offset: 4 } },
      readerIn('file:///home/ana/paper.pdf'),
    );
    expect(reply?.value).toMatchObject({ size: 10 });
    expect(base64ToBytes((reply?.value as { data: string } | undefined)?.data ?? '')).toEqual(
      file.subarray(4),
    );
    expect(fetchFile).toHaveBeenCalledWith('file:///home/ana/paper.pdf');

    const web = await send(
      { protocol: PROTOCOL, name: 'readPdfFile', data: { offset: 0 } },
      readerIn('https://example.org/a.pdf'),
    );
    expect(fromErrorData(web?.error as never).code).toBe('invalid-message');
    expect(fetchFile).toHaveBeenCalledTimes(1);
  });

  test('malformed requests and foreign senders never reach a handler', async () => {
    const fetchFile = vi.fn(async () => bytesResponse(new Uint8Array(1)));
    const send = serve(fetchFile as never);
    const runs = Math.max(100, Math.floor(fuzzRuns() / 10));
    await fc.assert(
      fc.asyncProperty(malformedRequest(pdfReaderRequests), async ({ kind, message }) => {
        const reply = await send(message, readerIn('file:///x.pdf'));
        if (kind === 'bad-payload') expect(fromErrorData(reply?.error as never).code).toBe('invalid-message');
        else expect(reply).toBeUndefined();
      }),
      { numRuns: runs },
    );
    const valid = { protocol: PROTOCOL, name: 'readPdfFile', data: { offset: 0 } };
    const foreign = fc.oneof(
      fc.constant(popup),
      webPageSender,
      otherExtensionSender,
      // Our script in a subframe: only the top frame shows the tab's PDF.
      fc.constant({ ...readerIn('file:///x.pdf'), frameId: 2 }),
    );
    await fc.assert(
      fc.asyncProperty(foreign, async (sender) => {
        expect(await send(valid, sender)).toBeUndefined();
      }),
      { numRuns: Math.max(50, Math.floor(runs / 10)) },
    );
    expect(fetchFile).not.toHaveBeenCalled();
  });
});
