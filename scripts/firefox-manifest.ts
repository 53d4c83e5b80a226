/**
 * The Firefox package's manifest, derived from the one `manifest.json` (Chrome's): both builds read the same
 * source, and only what Firefox lacks or needs differently changes here (issue 22).
 */

/** The add-on's stable id: Firefox keys its storage and its `moz-extension://` UUID pref on it. */
export const GECKO_ID = 'pagewise@pagewise.app';

/**
 * 140 is the first ESR with `data_collection_permissions` (which AMO requires), `storage.session`,
 * `background.type: "module"` and MV3's `wasm-unsafe-eval`.
 */
export const GECKO_MIN_VERSION = '140.0';

/** The side panel's page, which Firefox shows as its sidebar. */
export const SIDEBAR_PAGE = 'sidepanel/index.html';

/** Chrome-only permissions: Firefox has no side panel API (it has `sidebar_action`) and no offscreen documents. */
const CHROME_ONLY_PERMISSIONS = new Set(['sidePanel', 'offscreen']);

/**
 * Chrome-only keys: `side_panel` (replaced by `sidebar_action`), `minimum_chrome_version`, COOP/COEP (Firefox
 * ignores them for extension pages, so there are no WASM threads: `crossOriginIsolated` stays false), and
 * `externally_connectable` (Firefox does not implement it: no web page or other add-on can connect at all).
 */
const CHROME_ONLY_KEYS = [
  'side_panel',
  'minimum_chrome_version',
  'cross_origin_embedder_policy',
  'cross_origin_opener_policy',
  'externally_connectable',
] as const;

interface ChromeManifest {
  background: { service_worker: string; type?: string };
  permissions?: string[];
  action?: { default_title?: string; default_icon?: Record<string, string> };
  [key: string]: unknown;
}

/** Firefox's manifest: what crxjs's `browser: 'firefox'` mode takes as its input. */
export function firefoxManifest(chrome: ChromeManifest): Record<string, unknown> {
  const manifest: Record<string, unknown> = { ...chrome };
  for (const key of CHROME_ONLY_KEYS) delete manifest[key];
  // Firefox refuses `background.service_worker`; a module background page runs the same code.
  manifest.background = { scripts: [chrome.background.service_worker], type: 'module' };
  manifest.permissions = (chrome.permissions ?? []).filter(
    (permission) => !CHROME_ONLY_PERMISSIONS.has(permission),
  );
  manifest.sidebar_action = {
    default_panel: SIDEBAR_PAGE,
    default_title: chrome.action?.default_title,
    default_icon: chrome.action?.default_icon,
    // Opened from the menu, the shortcut and the popup's button, never on install.
    open_at_install: false,
  };
  manifest.browser_specific_settings = {
    gecko: {
      id: GECKO_ID,
      strict_min_version: GECKO_MIN_VERSION,
      // Nothing the user reads or types leaves the computer.
      data_collection_permissions: { required: ['none'] },
    },
  };
  return manifest;
}
