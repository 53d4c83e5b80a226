import fc from 'fast-check';
import type { Runtime } from 'webextension-polyfill';
import type { SummaryResult } from '../../../src/protocol';

/** A message from the extension's popup. */
export const popup: Runtime.MessageSender = {
  id: 'test-extension-id',
  url: 'chrome-extension://test-extension-id/popup/index.html',
};

/** A message from a content script, whose sender URL is the web page's. */
export const webPage: Runtime.MessageSender = {
  id: 'test-extension-id',
  url: 'https://evil.example/',
  tab: { id: 3, index: 0, highlighted: false, active: true, pinned: false, incognito: false },
};

const tab = fc.record({
  id: fc.nat(),
  index: fc.nat(),
  highlighted: fc.boolean(),
  active: fc.boolean(),
  pinned: fc.boolean(),
  incognito: fc.boolean(),
});

/**
 * A web page itself, as Chrome would name it if it could reach the extension (`externally_connectable`
 * says it cannot): no extension id, a tab, a web URL and origin, a frame.
 */
export const webPageSender: fc.Arbitrary<Runtime.MessageSender> = fc
  .record({ url: fc.webUrl({ withQueryParameters: true, withFragments: true }), tab, frameId: fc.nat() })
  .map((sender) => ({ ...sender, origin: new URL(sender.url).origin }));

/**
 * Another extension: its own id (32 letters a-p, as Chrome makes them, or any other string but ours), from
 * one of its pages, or from its content script in a web page's tab.
 */
export const otherExtensionSender: fc.Arbitrary<Runtime.MessageSender> = fc
  .oneof(
    fc.string({ unit: fc.constantFrom(...'abcdefghijklmnop'), minLength: 32, maxLength: 32 }),
    fc.string({ maxLength: 40 }).filter((id) => id !== popup.id),
  )
  .chain((id) =>
    fc.oneof(
      fc.constant({ id, url: `chrome-extension://${id}/background.js` }),
      fc.record({ id: fc.constant(id), url: fc.webUrl(), tab, frameId: fc.nat() }),
    ),
  );

/** A finished summary, as a worker answers one. */
export const summaryResult: SummaryResult = {
  url: 'https://example.org/',
  title: 'Example',
  length: 'brief',
  text: 'Done.',
  parts: 1,
  coverage: 1,
  tokensPerSecond: 12,
  engine: 'WASM',
  createdAt: 0,
};
