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
