import * as v from 'valibot';
import browser from 'webextension-polyfill';
import { ModelSpecSchema, TIER_IDS } from './model';
import { SUMMARY_LENGTHS } from './protocol/messages';
import { ANSWER_LANGUAGES } from './text/language';

/**
 * An imported model's spec, as stored: a ModelSpec whose names are an import's, checked on every read since
 * the worker acts on it.
 */
export const ImportedModelSchema = v.object({
  ...ModelSpecSchema.entries,
  id: v.pipe(v.string(), v.regex(/^imported-[a-z0-9-]{1,80}$/)),
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(120)),
  repo: v.pipe(v.string(), v.regex(/^imported\/[a-z0-9-]{1,80}$/)),
  revision: v.literal('local'),
  contextSize: v.pipe(v.number(), v.integer(), v.minValue(256)),
  maxPromptTokens: v.pipe(v.number(), v.integer(), v.minValue(64)),
  maxChatPromptTokens: v.pipe(v.number(), v.integer(), v.minValue(64)),
  bundled: v.literal(false),
  imported: v.literal(true),
});

/** Everything the user sets in Settings, kept under one key of `storage.local`. */
const SettingsSchema = v.object({
  /** `auto`, or the tier picked by hand. */
  engine: v.fallback(v.picklist(['auto', ...TIER_IDS]), 'auto'),
  /** The model picked for each tier, by registry id; a tier without one uses its default. */
  models: v.fallback(v.record(v.picklist(TIER_IDS), v.string()), {}),
  /** The summary length the popup starts with (the last one picked). */
  summaryLength: v.fallback(v.picklist(SUMMARY_LENGTHS), 'standard'),
  /** What summaries and answers are written in: the page's language, or the browser's. */
  answerLanguage: v.fallback(v.picklist(ANSWER_LANGUAGES), 'page'),
  /** Models imported from a folder; their files are in the model store. A malformed entry drops the list. */
  importedModels: v.fallback(v.array(ImportedModelSchema), []),
});

export type Settings = v.InferOutput<typeof SettingsSchema>;

const KEY = 'settings';
/** Where the popup kept the summary length before it moved into settings: read once, then dropped. */
const LEGACY_SUMMARY_LENGTH_KEY = 'summaryLength';

/** Stand-in for `browser.storage.local` (tests). */
export interface SettingsStorage {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove?(key: string): Promise<void>;
}

/** The stored settings; anything missing or malformed reads as its default. */
export async function loadSettings(storage: SettingsStorage = browser.storage.local): Promise<Settings> {
  const stored = (await storage.get(KEY))[KEY];
  const raw = stored && typeof stored === 'object' ? { ...(stored as Record<string, unknown>) } : {};
  if (!('summaryLength' in raw)) {
    // An existing preference survives the move into settings.
    const legacy = (await storage.get(LEGACY_SUMMARY_LENGTH_KEY))[LEGACY_SUMMARY_LENGTH_KEY];
    if (legacy !== undefined) raw.summaryLength = legacy;
  }
  return v.parse(SettingsSchema, raw);
}

/** Merges a change into the stored settings and returns the result. */
export async function updateSettings(
  change: Partial<Settings>,
  storage: SettingsStorage = browser.storage.local,
): Promise<Settings> {
  const next = v.parse(SettingsSchema, { ...(await loadSettings(storage)), ...change });
  await storage.set({ [KEY]: next });
  // Migrated: the old key would otherwise shadow nothing but still sit in storage.
  await storage.remove?.(LEGACY_SUMMARY_LENGTH_KEY);
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
