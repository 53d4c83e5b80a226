import browser from 'webextension-polyfill';
import type { ServerConnection } from './server-api';

// What the worker keeps about the server beyond the settings: the API key, bound to the URL it was given
// for (sent to that server only, never to another one the user connects later), and the Origin rule.

const KEY_STORAGE = 'localServerKey';

/** The rule's id among the extension's dynamic declarativeNetRequest rules (it has no other). */
export const ORIGIN_RULE_ID = 1;

/** The connection to a server: its URL, and the key saved for that URL (empty when none). */
export async function serverConnection(url: string): Promise<ServerConnection> {
  const stored = (await browser.storage.local.get(KEY_STORAGE))[KEY_STORAGE] as
    | { url?: unknown; key?: unknown }
    | undefined;
  const key = stored?.url === url && typeof stored.key === 'string' ? stored.key : '';
  return { url, key };
}

/** Saves the key for this URL; an empty key removes any. */
export async function saveServerKey(url: string, key: string): Promise<void> {
  if (key) await browser.storage.local.set({ [KEY_STORAGE]: { url, key } });
  else await browser.storage.local.remove(KEY_STORAGE);
}

/**
 * Removes `Origin` from the extension's own requests to the server, and only those: Ollama refuses an
 * Origin it does not list (a `chrome-extension://` one) with 403, and that check protects it from websites,
 * so a web page's request to the same server keeps its Origin (NOTES.md, "Local model servers"). Null
 * removes the rule.
 */
export async function setOriginRule(url: string | null): Promise<void> {
  await browser.declarativeNetRequest.updateDynamicRules({
    removeRuleIds: [ORIGIN_RULE_ID],
    addRules: url
      ? [
          {
            id: ORIGIN_RULE_ID,
            priority: 1,
            action: {
              type: 'modifyHeaders',
              requestHeaders: [{ header: 'origin', operation: 'remove' }],
            },
            condition: {
              urlFilter: `|${url}/`,
              initiatorDomains: [browser.runtime.id],
              resourceTypes: ['xmlhttprequest'],
            },
          },
        ]
      : [],
  });
}
