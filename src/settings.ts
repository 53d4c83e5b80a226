import * as v from 'valibot';
import browser from 'webextension-polyfill';
import { type ImportedModel, ImportedModelSchema, PlainSettingsSchema, type Settings } from './model';

export {
  type ImportedModel,
  ImportedModelSchema,
  type Settings,
  type SettingsChange,
  SettingsChangeSchema,
} from './model';

/**
 * A stored imported-model entry that does not read as a spec: it is not offered, but it is kept as stored
 * (a write never saves its loss), and Settings names it.
 */
export interface UnreadableImport {
  /** The entry as stored. */
  stored: unknown;
  /** Its `name` or `id` when it has one, else its place in the list. */
  label: string;
  /** Its `id` when it has a string one (to delete it by). */
  id: string | null;
  reason: string;
}

/** The stored settings, with the imported entries that could not be read. */
export interface StoredSettings {
  settings: Settings;
  unreadable: UnreadableImport[];
}

const KEY = 'settings';
/** Where the popup kept the summary length before it moved into settings: read once, then dropped. */
const LEGACY_SUMMARY_LENGTH_KEY = 'summaryLength';

/** Stand-in for `browser.storage.local` (tests). */
export interface SettingsStorage {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove?(key: string): Promise<void>;
}

const labelOf = (entry: unknown, index: number): string => {
  const { name, id } = (entry && typeof entry === 'object' ? entry : {}) as Record<string, unknown>;
  if (typeof name === 'string' && name) return name.slice(0, 120);
  if (typeof id === 'string' && id) return id.slice(0, 120);
  return `entry ${index + 1}`;
};

/** Each imported entry is checked alone, so one malformed entry does not take the others with it. */
function parseStored(stored: unknown): StoredSettings {
  const raw = stored && typeof stored === 'object' ? (stored as Record<string, unknown>) : {};
  const entries = Array.isArray(raw.importedModels) ? (raw.importedModels as unknown[]) : [];
  const importedModels: ImportedModel[] = [];
  const unreadable: UnreadableImport[] = [];
  entries.forEach((entry, index) => {
    const parsed = v.safeParse(ImportedModelSchema, entry);
    if (parsed.success) importedModels.push(parsed.output);
    else {
      const issue = parsed.issues[0];
      const path = issue.path?.map((item) => String(item.key)).join('.');
      const { id } = (entry && typeof entry === 'object' ? entry : {}) as Record<string, unknown>;
      unreadable.push({
        stored: entry,
        id: typeof id === 'string' && id.length <= 100 ? id : null,
        label: labelOf(entry, index),
        reason: path ? `${path}: ${issue.message}` : issue.message,
      });
    }
  });
  return { settings: { ...v.parse(PlainSettingsSchema, raw), importedModels }, unreadable };
}

/** The stored settings and the imported entries left out as unreadable; anything else malformed reads as its default. */
export async function readSettings(
  storage: SettingsStorage = browser.storage.local,
): Promise<StoredSettings> {
  const stored = (await storage.get(KEY))[KEY];
  const raw = stored && typeof stored === 'object' ? { ...(stored as Record<string, unknown>) } : {};
  if (!('summaryLength' in raw)) {
    // An existing preference survives the move into settings.
    const legacy = (await storage.get(LEGACY_SUMMARY_LENGTH_KEY))[LEGACY_SUMMARY_LENGTH_KEY];
    if (legacy !== undefined) raw.summaryLength = legacy;
  }
  return parseStored(raw);
}

/** The stored settings; anything missing or malformed reads as its default (an unreadable import is left out). */
export async function loadSettings(storage: SettingsStorage = browser.storage.local): Promise<Settings> {
  return (await readSettings(storage)).settings;
}

/**
 * Stores the settings, with the unreadable entries kept as they were. Only the worker's settings writer
 * (`src/handlers/settings-writer.ts`) calls this, one write at a time: every page asks it.
 */
export async function storeSettings(
  { settings, unreadable }: StoredSettings,
  storage: SettingsStorage = browser.storage.local,
): Promise<void> {
  const importedModels = [...settings.importedModels, ...unreadable.map((entry) => entry.stored)];
  await storage.set({ [KEY]: { ...settings, importedModels } });
  // Migrated: the old key would otherwise shadow nothing but still sit in storage.
  await storage.remove?.(LEGACY_SUMMARY_LENGTH_KEY);
}

/** Calls back with the new settings whenever any extension page or the worker changes them. */
export function watchSettings(onChange: (settings: Settings) => void): () => void {
  const listener = (changes: Record<string, browser.Storage.StorageChange>, area: string) => {
    if (area !== 'local' || !(KEY in changes)) return;
    onChange(parseStored(changes[KEY]?.newValue).settings);
  };
  browser.storage.onChanged.addListener(listener);
  return () => browser.storage.onChanged.removeListener(listener);
}

/** What the engine loads depends on: the tier picked, the models picked, and the picked imported specs. */
function engineInputs(settings: Settings): string {
  const picked = new Set(Object.values(settings.models));
  return JSON.stringify({
    engine: settings.engine,
    server: settings.localServer,
    serverContext: settings.serverContextTokens,
    models: Object.entries(settings.models).sort(([a], [b]) => a.localeCompare(b)),
    imported: settings.importedModels.filter((model) => picked.has(model.id)),
  });
}

/**
 * Calls back when a settings change can change what the engine runs (the tier, a model pick, or a picked
 * imported model), and not for the rest (summary length, answer language, an import nobody uses yet), so
 * those never unload the model and its KV caches.
 */
export function watchEngineSettings(onChange: () => void): () => void {
  const listener = (changes: Record<string, browser.Storage.StorageChange>, area: string) => {
    const change = changes[KEY];
    if (area !== 'local' || !change) return;
    const before = engineInputs(parseStored(change.oldValue).settings);
    if (before !== engineInputs(parseStored(change.newValue).settings)) onChange();
  };
  browser.storage.onChanged.addListener(listener);
  return () => browser.storage.onChanged.removeListener(listener);
}
