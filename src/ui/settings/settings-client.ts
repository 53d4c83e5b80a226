import browser from 'webextension-polyfill';
import {
  checkModelFolder,
  createModelFileStore,
  HUB_HOST,
  type PickedFile,
  storeImportedModel,
} from '../../engine/page-access';
import type { ModelSpec } from '../../model';
import { type ModelList, sendToWorker } from '../../protocol';
import { loadSettings, type Settings, updateSettings, watchSettings } from '../../settings';

/** A keyboard command as Settings shows it. */
export interface Shortcut {
  name: string;
  description: string;
  /** Empty when the user (or a clash) left it unset. */
  shortcut: string;
}

/** Everything the settings page asks of the browser and the worker; tests stand in for it. */
export interface SettingsClient {
  listModels(): Promise<ModelList>;
  deleteModel(id: string): Promise<void>;
  /** Checks a picked folder and copies it into the model store; returns the new model's spec. */
  importModel(
    folderName: string,
    files: PickedFile[],
    onProgress: (done: number, total: number) => void,
  ): Promise<ModelSpec>;
  estimate(): Promise<{ usage: number; quota: number }>;
  loadSettings(): Promise<Settings>;
  updateSettings(change: Partial<Settings>): Promise<Settings>;
  watchSettings(onChange: (settings: Settings) => void): () => void;
  shortcuts(): Promise<Shortcut[]>;
  /** Opens Chrome's own page for changing extension shortcuts (an extension cannot change them itself). */
  openShortcutSettings(): Promise<void>;
}

/** The page Chrome lets users change extension shortcuts on. */
export const SHORTCUTS_PAGE = 'chrome://extensions/shortcuts';

/** The real client: the worker for the model list, IndexedDB for imports (same origin as the worker). */
export function createBrowserSettingsClient(): SettingsClient {
  const store = createModelFileStore();
  const estimate = async () => {
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    return { usage, quota };
  };
  return {
    listModels: () => sendToWorker('listModels', {}),
    deleteModel: async (id) => {
      await sendToWorker('deleteModel', { id });
    },
    async importModel(folderName, files, onProgress) {
      const settings = await loadSettings();
      const taken = settings.importedModels.map((model) => model.id);
      const checked = await checkModelFolder(folderName, files, taken);
      await storeImportedModel(checked, { store, host: HUB_HOST, estimate, onProgress });
      // The worker reads imported specs from the settings, so listing it there is what makes it usable.
      await updateSettings({ importedModels: [...settings.importedModels, checked.spec as never] });
      return checked.spec;
    },
    estimate,
    loadSettings: () => loadSettings(),
    updateSettings: (change) => updateSettings(change),
    watchSettings,
    async shortcuts() {
      const commands = await browser.commands.getAll();
      return commands.map((command) => ({
        name: command.name ?? '',
        description: command.description ?? '',
        shortcut: command.shortcut ?? '',
      }));
    },
    async openShortcutSettings() {
      await browser.tabs.create({ url: SHORTCUTS_PAGE });
    },
  };
}

/** The folder an `<input webkitdirectory>` gave, as named files relative to it. */
export function pickedFolder(list: FileList | File[]): { folderName: string; files: PickedFile[] } {
  const all = [...list];
  const folderName = all[0]?.webkitRelativePath.split('/')[0] ?? '';
  const files = all.map((file) => ({
    // `webkitRelativePath` starts with the picked folder's own name.
    path: file.webkitRelativePath.split('/').slice(1).join('/') || file.name,
    size: file.size,
    stream: () => file.stream() as ReadableStream<Uint8Array>,
  }));
  return { folderName, files };
}
