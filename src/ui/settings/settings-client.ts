import browser from 'webextension-polyfill';
import { shortcutSettings } from '../../browser-features';
import {
  checkModelFolder,
  createModelFileStore,
  HUB_HOST,
  type PickedFile,
  storeImportedModel,
} from '../../engine/page-access';
import type { ModelSpec } from '../../model';
import { createWorkerClient, type WorkerClientPart } from '../../protocol';
import { type ImportedModel, loadSettings, type Settings, watchSettings } from '../../settings';

/** A keyboard command as Settings shows it. */
export interface Shortcut {
  name: string;
  description: string;
  /** Empty when the user (or a clash) left it unset. */
  shortcut: string;
}

/** The part of the worker the settings page uses. */
export type SettingsWorker = WorkerClientPart<
  'listModels' | 'deleteModel' | 'updateSettings' | 'addImportedModel'
>;

/** Everything the settings page asks of the browser and the worker; tests stand in for it. */
export interface SettingsClient extends SettingsWorker {
  /** Checks a picked folder and copies it into the model store; returns the new model's spec. */
  importModel(
    folderName: string,
    files: PickedFile[],
    onProgress: (done: number, total: number) => void,
  ): Promise<ModelSpec>;
  estimate(): Promise<{ usage: number; quota: number }>;
  loadSettings(): Promise<Settings>;
  watchSettings(onChange: (settings: Settings) => void): () => void;
  shortcuts(): Promise<Shortcut[]>;
  /** Opens the browser's own place for changing extension shortcuts (an extension cannot change them itself). */
  openShortcutSettings(): Promise<void>;
}

/** Where this browser lets users change extension shortcuts. */
export const shortcutsPlace = () => shortcutSettings((url) => browser.tabs.create({ url }));

/** The real client: the worker for the model list, IndexedDB for imports (same origin as the worker). */
export function createBrowserSettingsClient(): SettingsClient {
  const store = createModelFileStore();
  const estimate = async () => {
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    return { usage, quota };
  };
  const worker = createWorkerClient();
  return {
    ...worker,
    async importModel(folderName, files, onProgress) {
      const taken = (await loadSettings()).importedModels.map((model) => model.id);
      const checked = await checkModelFolder(folderName, files, taken);
      await storeImportedModel(checked, { store, host: HUB_HOST, estimate, onProgress });
      // The worker lists it in the settings as they are now (a delete or another import meanwhile stays).
      await worker.addImportedModel({ spec: checked.spec as ImportedModel });
      return checked.spec;
    },
    estimate,
    loadSettings: () => loadSettings(),
    watchSettings,
    async shortcuts() {
      const commands = await browser.commands.getAll();
      return commands.map((command) => ({
        name: command.name ?? '',
        description: command.description ?? '',
        shortcut: command.shortcut ?? '',
      }));
    },
    openShortcutSettings: () => shortcutsPlace().open(),
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
