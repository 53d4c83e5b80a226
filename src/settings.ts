import * as v from 'valibot';
import browser from 'webextension-polyfill';
import { TIER_IDS } from './engine/tiers';

/** Everything the user sets in Settings, kept under one key of `storage.local`. */
const SettingsSchema = v.object({
  /** `auto`, or the tier picked by hand. */
  engine: v.fallback(v.picklist(['auto', ...TIER_IDS]), 'auto'),
  /** The model picked for each tier, by registry id; a tier without one uses its default. */
  models: v.fallback(v.record(v.picklist(TIER_IDS), v.string()), {}),
});

export type Settings = v.InferOutput<typeof SettingsSchema>;

const KEY = 'settings';

/** Stand-in for `browser.storage.local` (tests). */
export interface SettingsStorage {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
}

/** The stored settings; anything missing or malformed reads as its default. */
export async function loadSettings(storage: SettingsStorage = browser.storage.local): Promise<Settings> {
  const stored = (await storage.get(KEY))[KEY];
  return v.parse(SettingsSchema, stored && typeof stored === 'object' ? stored : {});
}

/** Merges a change into the stored settings and returns the result. */
export async function updateSettings(
  change: Partial<Settings>,
  storage: SettingsStorage = browser.storage.local,
): Promise<Settings> {
  const next = v.parse(SettingsSchema, { ...(await loadSettings(storage)), ...change });
  await storage.set({ [KEY]: next });
  return next;
}

/** Calls back with the new settings whenever any extension page or the worker changes them. */
export function watchSettings(onChange: (settings: Settings) => void): () => void {
  const listener = (changes: Record<string, browser.Storage.StorageChange>, area: string) => {
    if (area !== 'local' || !(KEY in changes)) return;
    onChange(v.parse(SettingsSchema, changes[KEY]?.newValue ?? {}));
  };
  browser.storage.onChanged.addListener(listener);
  return () => browser.storage.onChanged.removeListener(listener);
}
