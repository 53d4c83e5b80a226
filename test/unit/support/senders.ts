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
