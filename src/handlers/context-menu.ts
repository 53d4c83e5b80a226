import browser, { type Menus, type Tabs } from 'webextension-polyfill';
import { openSidePanel } from '../browser-features';
import { t } from '../i18n';
import { type AskPreset, type PendingAsk, protocolKeys } from '../protocol';
import { unreadableReasonWithAccess } from '../text/restricted';

/** Context-menu item ids: `ask-selection` is part of the testing contract (README). */
const ASK_SELECTION_MENU_ID = 'ask-selection';
const PRESET_MENU_IDS: Record<AskPreset, string> = {
  explain: 'ask-selection-explain',
  summarize: 'ask-selection-summarize',
  define: 'ask-selection-define',
  translate: 'ask-selection-translate',
};

/** A right-click request older than this is stale: the panel ignores it. */
const PENDING_ASK_TTL_MS = 5 * 60_000;

/** The browser's UI language by name ("English"), for the translate preset's title. */
function uiLanguageName(): string {
  const code = browser.i18n.getUILanguage();
  try {
    return new Intl.DisplayNames([code], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/**
 * Creates the right-click items on text selections. Chrome groups several items of one extension under its
 * name, so the presets sit beside "Ask" rather than under it (a parent item can't itself be clicked).
 */
export async function createContextMenus(): Promise<void> {
  await browser.contextMenus.removeAll();
  const items: [string, string][] = [
    [ASK_SELECTION_MENU_ID, t('menu_ask_selection')],
    [PRESET_MENU_IDS.explain, t('menu_explain')],
    [PRESET_MENU_IDS.summarize, t('menu_summarize_selection')],
    [PRESET_MENU_IDS.define, t('menu_define')],
    [PRESET_MENU_IDS.translate, t('menu_translate', uiLanguageName())],
  ];
  for (const [id, title] of items) {
    browser.contextMenus.create({
      id,
      title,
      contexts: ['selection'],
      documentUrlPatterns: ['http://*/*', 'https://*/*', 'file:///*'],
    });
  }
}

function presetOf(menuItemId: string | number): AskPreset | null | undefined {
  if (menuItemId === ASK_SELECTION_MENU_ID) return null;
  const entry = Object.entries(PRESET_MENU_IDS).find(([, id]) => id === menuItemId);
  return entry ? (entry[0] as AskPreset) : undefined;
}

/**
 * Handles a click on one of the selection items: opens the side panel at once (the click is a user
 * gesture, which `sidePanel.open` needs), and leaves the request in session storage, because the panel may
 * open after this handler has finished.
 */
export async function onContextMenuClicked(
  info: Menus.OnClickData,
  tab: Tabs.Tab | undefined,
): Promise<void> {
  const preset = presetOf(info.menuItemId);
  const tabId = tab?.id;
  if (preset === undefined || tabId === undefined || tabId < 0) return;
  const opened = openSidePanel(tabId);
  const selection = (info.selectionText ?? '').trim();
  // A file (a PDF on disk included) is read once the user allows file access.
  const allowsFiles = () => browser.extension.isAllowedFileSchemeAccess();
  if (!selection || (await unreadableReasonWithAccess(tab?.url, allowsFiles))) return;
  const pending: PendingAsk = { tabId, selection, preset, createdAt: Date.now() };
  await browser.storage.session.set({ [protocolKeys.pendingAsk(tabId)]: pending });
  await opened;
}

/** The tab's waiting right-click request, removed as it is taken; null when none or stale. */
export async function takePendingAsk(tabId: number): Promise<PendingAsk | null> {
  const key = protocolKeys.pendingAsk(tabId);
  const pending = (await browser.storage.session.get(key))[key] as PendingAsk | undefined;
  if (!pending) return null;
  await browser.storage.session.remove(key);
  return Date.now() - pending.createdAt <= PENDING_ASK_TTL_MS ? pending : null;
}
