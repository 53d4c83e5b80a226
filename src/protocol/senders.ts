import browser, { type Runtime } from 'webextension-polyfill';

/**
 * Messages for the worker's UI handlers come only from this extension's own pages (which may sit in a tab),
 * never from a content script, whose sender URL is the web page's.
 */
export function isExtensionPage(sender: Runtime.MessageSender): boolean {
  return (
    sender.id === browser.runtime.id &&
    typeof sender.url === 'string' &&
    sender.url.startsWith(browser.runtime.getURL('/'))
  );
}

/** Messages for a content script come only from this extension (web pages cannot reach it). */
export function isFromExtension(sender: Runtime.MessageSender): boolean {
  return sender.id === browser.runtime.id;
}

/**
 * The host accepts the port only from this extension's service worker. A document of the extension (a
 * popup, a tab) carries a frame and a document id; a content script cannot open a `runtime` port to
 * extension pages at all. The manifest, which names the worker's file, is not readable in an offscreen
 * document, so the worker is told apart by having neither.
 */
export function isServiceWorker(sender: Runtime.MessageSender): boolean {
  const { documentId } = sender as { documentId?: string };
  return (
    sender.id === browser.runtime.id &&
    sender.tab === undefined &&
    sender.frameId === undefined &&
    documentId === undefined &&
    typeof sender.url === 'string' &&
    sender.url.startsWith(browser.runtime.getURL('/'))
  );
}

/**
 * The PDF reader's requests come only from this extension's script in a tab's top frame: a content script's
 * sender has a tab and the page's URL, never the extension's own.
 */
export function isOwnContentScript(sender: Runtime.MessageSender): boolean {
  return (
    sender.id === browser.runtime.id &&
    sender.tab?.id !== undefined &&
    sender.frameId === 0 &&
    typeof sender.url === 'string' &&
    !sender.url.startsWith(browser.runtime.getURL('/'))
  );
}
