import { type ReadonlySignal, signal } from '@preact/signals';
import { downloadBuiltinModel } from '../../engine/page-access';
import { errorText } from '../../errors';
import { t } from '../../i18n';
import type { EnginePreference } from '../../model';
import {
  createWorkerClient,
  type DownloadProgress,
  type EngineTiers,
  type WorkerClientPart,
} from '../../protocol';
import { watchSettings } from '../../settings';

/** What the engine settings need from the worker and the settings storage (fakes in unit tests). */
export interface EngineSettingsClient extends WorkerClientPart<'getEngineTiers'> {
  setPreference(preference: EnginePreference): Promise<void>;
  /** Calls back when the settings change elsewhere (another settings tab); returns the unsubscribe. */
  watch(onChange: () => void): () => void;
  /** Has Chrome download its built-in model: only from a click, as Chrome may require. */
  downloadBuiltin(onProgress: (progress: DownloadProgress) => void): Promise<void>;
}

export function createEngineSettingsClient(): EngineSettingsClient {
  const worker = createWorkerClient();
  return {
    ...worker,
    setPreference: async (engine) => {
      await worker.updateSettings({ engine });
    },
    watch: (onChange) => watchSettings(onChange),
    downloadBuiltin: (onProgress) => downloadBuiltinModel(onProgress),
  };
}

export interface EngineSettingsStore {
  readonly tiers: ReadonlySignal<EngineTiers | null>;
  readonly error: ReadonlySignal<string | null>;
  /** Chrome's download of its built-in model, as a fraction, while it runs. */
  readonly builtinDownload: ReadonlySignal<number | null>;
  /** Loads the tiers and follows changes made elsewhere; returns the teardown. */
  init(): () => void;
  choose(preference: EnginePreference): Promise<void>;
  /** Downloads Chrome's model (call it from a click), then uses it. */
  downloadBuiltin(): Promise<void>;
}

export function createEngineSettingsStore(client: EngineSettingsClient): EngineSettingsStore {
  const tiers = signal<EngineTiers | null>(null);
  const error = signal<string | null>(null);
  const builtinDownload = signal<number | null>(null);
  const refresh = async () => {
    try {
      tiers.value = await client.getEngineTiers();
      error.value = null;
    } catch (thrown) {
      error.value = t('settings_engine_check_failed', errorText(thrown));
    }
  };
  return {
    tiers,
    error,
    builtinDownload,
    init() {
      void refresh();
      return client.watch(() => void refresh());
    },
    async choose(preference) {
      try {
        await client.setPreference(preference);
      } catch (thrown) {
        // The select's change handler does not wait for this: a refused pick is shown, not left unhandled.
        error.value = t('settings_engine_save_failed', errorText(thrown));
        return;
      }
      await refresh();
    },
    async downloadBuiltin() {
      builtinDownload.value = 0;
      let failure: string | null = null;
      try {
        await client.downloadBuiltin(({ loaded, total }) => {
          builtinDownload.value = total > 0 ? loaded / total : 0;
        });
        await client.setPreference('chrome-builtin');
      } catch (thrown) {
        failure = errorText(thrown);
      }
      builtinDownload.value = null;
      await refresh();
      if (failure) error.value = failure;
    },
  };
}
