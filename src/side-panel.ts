/**
 * Opens the side panel for a tab. Chrome allows it only within a user gesture, so call it before any `await`
 * in the handler. A no-op without `chrome.sidePanel` (Firefox's build has its own sidebar); never rejects.
 */
export function openSidePanel(tabId: number): Promise<void> {
  return globalThis.chrome?.sidePanel?.open({ tabId }).catch(() => {}) ?? Promise.resolve();
}
