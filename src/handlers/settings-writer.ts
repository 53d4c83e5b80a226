import { AppError, localMessage } from '../errors';
import type { LocalServer } from '../model';
import {
  type ImportedModel,
  readSettings,
  type Settings,
  type SettingsChange,
  type SettingsStorage,
  type StoredSettings,
  storeSettings,
} from '../settings';

/**
 * The one writer of the settings. Pages (popup, settings) and the worker's own handlers ask it instead of
 * writing `storage.local`, and it applies one change at a time, each reading the settings as the previous
 * one left them: no change made meanwhile in another context is lost, and an import lands in the list as it
 * is when its copy ends, not as it was when it began.
 */
export interface SettingsWriter {
  update(change: SettingsChange): Promise<Settings>;
  /** Lists a model whose files are stored; an id already listed is refused. */
  addImportedModel(spec: ImportedModel): Promise<Settings>;
  /** Sets the connected local server (the connect handler's, after the server answered), or none. */
  setLocalServer(server: LocalServer | null): Promise<Settings>;
  /** Drops an imported entry (a readable or an unreadable one) and every pick of it. */
  removeImportedModel(id: string): Promise<Settings>;
}

export function createSettingsWriter(storage?: SettingsStorage): SettingsWriter {
  let chain: Promise<unknown> = Promise.resolve();

  const write = (edit: (stored: StoredSettings) => StoredSettings): Promise<Settings> => {
    const turn = chain.then(async () => {
      const next = edit(await readSettings(storage));
      await storeSettings(next, storage);
      return next.settings;
    });
    // One failed write must not fail the next.
    chain = turn.catch(() => {});
    return turn;
  };

  return {
    update: (change) =>
      write(({ settings, unreadable }) => ({
        // Picks merge per tier: two tabs picking for different tiers both keep theirs.
        settings: { ...settings, ...change, models: { ...settings.models, ...change.models } },
        unreadable,
      })),

    addImportedModel: (spec) =>
      write(({ settings, unreadable }) => {
        if (settings.importedModels.some((model) => model.id === spec.id))
          throw new AppError('invalid-message', localMessage('error_model_exists', spec.name));
        return { settings: { ...settings, importedModels: [...settings.importedModels, spec] }, unreadable };
      }),

    setLocalServer: (localServer) =>
      write(({ settings, unreadable }) => ({ settings: { ...settings, localServer }, unreadable })),

    removeImportedModel: (id) =>
      write(({ settings, unreadable }) => ({
        settings: {
          ...settings,
          importedModels: settings.importedModels.filter((model) => model.id !== id),
          // Tiers that used it go back to their default.
          models: Object.fromEntries(
            Object.entries(settings.models).filter(([, picked]) => picked !== id),
          ) as Settings['models'],
        },
        unreadable: unreadable.filter((entry) => entry.id !== id),
      })),
  };
}
