/**
 * Opens the side panel for a tab. Chrome only allows it inside a user gesture (a click, a menu item, a
 * shortcut), so call it before any `await` in the handler. Chrome's `sidePanel` has no polyfill; Firefox's
 * sidebar comes with the Firefox build. Never rejects: a refused gesture leaves the panel to be opened by
 * hand.
 */
export function openSidePanel(tabId: number): Promise<void> {
  return globalThis.chrome?.sidePanel?.open({ tabId }).catch(() => {}) ?? Promise.resolve();
}
