import { t } from './i18n';

/**
 * Where Chrome and Firefox differ, asked in one place (issue 22). Everything is detected from the APIs the
 * browser has, never from its name: the two packages run the same code.
 */

interface SidebarAction {
  open(): Promise<void>;
}

const chromeApi = () =>
  (
    globalThis as {
      chrome?: {
        sidePanel?: { open(options: { tabId: number }): Promise<void> };
        offscreen?: { createDocument?: unknown };
      };
    }
  ).chrome;
const firefoxSidebar = () =>
  (globalThis as { browser?: { sidebarAction?: SidebarAction } }).browser?.sidebarAction;

/**
 * Opens the side panel for a tab: Chrome's side panel, or Firefox's sidebar (which opens in the active window
 * and takes no tab id: its page follows the active tab). Both allow it only within the user's input handler,
 * so call it before any `await` there. Never rejects.
 */
export function openSidePanel(tabId: number): Promise<void> {
  const sidePanel = chromeApi()?.sidePanel;
  if (sidePanel) return sidePanel.open({ tabId }).catch(() => {});
  const sidebar = firefoxSidebar();
  if (sidebar) return sidebar.open().catch(() => {});
  return Promise.resolve();
}

/**
 * Whether this browser can open an offscreen document (Chrome). Firefox has none, and ignores the manifest's
 * COOP/COEP, so its extension pages are never cross-origin isolated: no WASM threads there at all.
 */
export function hasOffscreenDocuments(): boolean {
  return typeof chromeApi()?.offscreen?.createDocument === 'function';
}

/** Where users change the extension's keyboard shortcuts (an extension cannot change them itself). */
export interface ShortcutSettings {
  /** The sentence that tells where: Chrome's shortcuts page, or Firefox's add-ons manager. */
  where: string;
  open(): Promise<void>;
}

/**
 * Chrome has a page for shortcuts, which an extension opens as a tab; Firefox has `commands.openShortcutSettings`
 * (the add-ons manager's "Manage Extension Shortcuts"), and refuses to open `chrome://` addresses.
 */
export function shortcutSettings(openTab: (url: string) => Promise<unknown>): ShortcutSettings {
  const commands = (globalThis as { browser?: { commands?: { openShortcutSettings?: () => Promise<void> } } })
    .browser?.commands;
  if (typeof commands?.openShortcutSettings === 'function') {
    const open = commands.openShortcutSettings.bind(commands);
    return { where: t('shortcut_where_firefox', 'about:addons'), open: () => open() };
  }
  const page = 'chrome://extensions/shortcuts';
  return { where: t('shortcut_where', page), open: async () => void (await openTab(page)) };
}
