import { batch, signal } from '@preact/signals';
import type { PickedFile } from '../../engine/page-access';
import type { ModelSpec, TierId } from '../../model';
import type { ModelList, ModelRow } from '../../protocol';
import type { Settings } from '../../settings';
import { toUiError, type UiError } from '../model-status';
import type { SettingsClient, Shortcut } from './settings-client';

/** What an import is doing, for its status line. */
export type ImportState =
  | { state: 'idle' }
  | { state: 'importing'; done: number; total: number }
  | { state: 'done'; name: string }
  | { state: 'error'; error: UiError };

/** State and actions of the settings page. */
export function createSettingsStore(client: SettingsClient) {
  const models = signal<ModelRow[]>([]);
  const unreadable = signal<ModelList['unreadable']>([]);
  const storage = signal<{ usage: number; quota: number } | null>(null);
  const settings = signal<Settings | null>(null);
  const shortcuts = signal<Shortcut[]>([]);
  const importing = signal<ImportState>({ state: 'idle' });
  const error = signal<UiError | null>(null);

  const refresh = async () => {
    try {
      const [list, estimate] = await Promise.all([client.listModels(), client.estimate()]);
      batch(() => {
        models.value = list.models;
        unreadable.value = list.unreadable;
        storage.value = estimate;
      });
    } catch (thrown) {
      error.value = toUiError(thrown);
    }
  };

  return {
    models,
    /** Imported entries that could not be read: not offered, named so the user can delete them. */
    unreadable,
    storage,
    settings,
    shortcuts,
    importing,
    error,
    refresh,

    /** Loads everything, and follows settings changed elsewhere (another settings tab, the popup). */
    async init(): Promise<() => void> {
      const stop = client.watchSettings((next) => {
        settings.value = next;
        void refresh();
      });
      const [loaded, keys] = await Promise.all([client.loadSettings(), client.shortcuts().catch(() => [])]);
      batch(() => {
        settings.value = loaded;
        shortcuts.value = keys;
      });
      await refresh();
      return stop;
    },

    async update(change: Partial<Settings>) {
      try {
        settings.value = await client.updateSettings(change);
      } catch (thrown) {
        error.value = toUiError(thrown);
      }
    },

    /** Makes a model the one used on these tiers. */
    async use(model: Pick<ModelSpec, 'id'>, tiers: readonly TierId[]) {
      // Only these tiers' picks: the worker merges them into the picks as they are now.
      await this.update({ models: Object.fromEntries(tiers.map((tier) => [tier, model.id])) });
      await refresh();
    },

    async remove(id: string) {
      error.value = null;
      try {
        await client.deleteModel({ id });
      } catch (thrown) {
        error.value = toUiError(thrown);
      }
      await refresh();
    },

    async importFolder(folderName: string, files: PickedFile[]) {
      importing.value = { state: 'importing', done: 0, total: files.reduce((sum, f) => sum + f.size, 0) };
      try {
        const spec = await client.importModel(folderName, files, (done, total) => {
          importing.value = { state: 'importing', done, total };
        });
        importing.value = { state: 'done', name: spec.name };
      } catch (thrown) {
        importing.value = { state: 'error', error: toUiError(thrown) };
      }
      await refresh();
    },

    openShortcutSettings: () => client.openShortcutSettings(),
  };
}

export type SettingsStore = ReturnType<typeof createSettingsStore>;
