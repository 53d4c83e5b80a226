import englishCatalogue from '../_locales/en/messages.json' with { type: 'json' };
import type { TierId } from './model';

/**
 * Every user-visible string is a key of the English catalogue, `_locales/en/messages.json`; the other
 * locales translate the same keys. Keys read `<where>_<what>`: `popup_`, `panel_`, `chat_`, `history_`,
 * `settings_`, `status_`, `common_`, `menu_`, `manifest_`, and `error_` for what the worker reports.
 */
export type MessageKey = keyof typeof englishCatalogue;

/** A value put into a message's `$1`…`$9`. */
export type MessageParam = string | number;

const catalogue: Record<string, { message: string }> = englishCatalogue;

/** True for a key of the catalogue: an error's key from another context is checked before it is used. */
export function isMessageKey(key: unknown): key is MessageKey {
  return typeof key === 'string' && Object.hasOwn(catalogue, key);
}

/** Fills `$1`…`$9` as `i18n.getMessage` does (`$$` is a literal `$`). */
export function fillMessage(template: string, params: readonly MessageParam[]): string {
  return template.replace(/\$(\$|[1-9])/g, (_, which: string) =>
    which === '$' ? '$' : String(params[Number(which) - 1] ?? ''),
  );
}

/** The message in English, whatever the browser's language: for logs and the worker's own error text. */
export function english(key: MessageKey, ...params: MessageParam[]): string {
  return fillMessage(catalogue[key]?.message ?? key, params);
}

/**
 * The message in the browser's UI language (`i18n.getMessage`, the same in Chrome and Firefox). Where there
 * is no extension runtime (unit tests, Node) or the key has no translation yet, the English text.
 */
export function t(key: MessageKey, ...params: MessageParam[]): string {
  const text = extensionI18n()?.getMessage(key, params.map(String));
  return text || english(key, ...params);
}

/**
 * The browser's `i18n` (Chrome's `chrome.i18n`; Firefox has the same under `browser` and `chrome`), or
 * null outside an extension. Read straight from the global: `webextension-polyfill` refuses to load in
 * Node, where the engine's tests import this module, and `getMessage` is synchronous in both browsers.
 */
function extensionI18n(): { getMessage(key: string, substitutions?: string[]): string } | null {
  const scope = globalThis as { chrome?: { i18n?: unknown }; browser?: { i18n?: unknown } };
  const i18n = (scope.browser?.i18n ?? scope.chrome?.i18n) as
    | { getMessage?: (key: string, substitutions?: string[]) => string }
    | undefined;
  return typeof i18n?.getMessage === 'function'
    ? { getMessage: (key, substitutions) => i18n.getMessage?.(key, substitutions) ?? '' }
    : null;
}

/**
 * The language and writing direction of the catalogue the browser picked (Arabic and Hebrew read right to
 * left). From the catalogue itself, not `@@bidi_dir`: a browser in a language we lack gets English, left to
 * right.
 */
export function uiLocale(): { lang: string; dir: 'ltr' | 'rtl' } {
  return { lang: t('meta_lang'), dir: t('meta_dir') === 'rtl' ? 'rtl' : 'ltr' };
}

/** Sets the page's `lang` and `dir` from the catalogue in use, before it renders. */
export function localizeDocument(root: HTMLElement = document.documentElement): void {
  const { lang, dir } = uiLocale();
  root.lang = lang;
  root.dir = dir;
}

const TIER_NAME_KEYS: Record<TierId, MessageKey> = {
  'local-server': 'tier_name_local_server',
  webgpu: 'tier_name_webgpu',
  'chrome-builtin': 'tier_name_chrome_builtin',
  'wasm-threads': 'tier_name_wasm_threads',
  wasm: 'tier_name_wasm',
};

/** An engine tier's name, wherever one is shown (status lines, Settings), in the reader's language. */
export function tierName(tier: TierId): string {
  return t(TIER_NAME_KEYS[tier]);
}

/** The engine as a status line names it: a local server with the model it runs. */
export function engineName(tier: TierId, modelName: string): string {
  return tier === 'local-server' ? t('tier_name_server_model', modelName) : tierName(tier);
}
