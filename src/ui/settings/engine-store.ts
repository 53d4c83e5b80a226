import { type ReadonlySignal, signal } from '@preact/signals';
import type { EnginePreference } from '../../engine/tiers';
import { type EngineTiers, sendToWorker } from '../../protocol';
import { updateSettings, watchSettings } from '../../settings';

/** What the engine settings need from the worker and the settings storage (fakes in unit tests). */
export interface EngineSettingsClient {
  getEngineTiers(): Promise<EngineTiers>;
  setPreference(preference: EnginePreference): Promise<void>;
  /** Calls back when the settings change elsewhere (another settings tab); returns the unsubscribe. */
  watch(onChange: () => void): () => void;
}

export function createEngineSettingsClient(): EngineSettingsClient {
  return {
    getEngineTiers: () => sendToWorker('getEngineTiers', {}),
    setPreference: async (engine) => {
      await updateSettings({ engine });
    },
    watch: (onChange) => watchSettings(onChange),
  };
}

export interface EngineSettingsStore {
  readonly tiers: ReadonlySignal<EngineTiers | null>;
  readonly error: ReadonlySignal<string | null>;
  /** Loads the tiers and follows changes made elsewhere; returns the teardown. */
  init(): () => void;
  choose(preference: EnginePreference): Promise<void>;
}

export function createEngineSettingsStore(client: EngineSettingsClient): EngineSettingsStore {
  const tiers = signal<EngineTiers | null>(null);
  const error = signal<string | null>(null);
  const refresh = async () => {
    try {
      tiers.value = await client.getEngineTiers();
      error.value = null;
    } catch (thrown) {
      error.value = `Could not check the engines: ${thrown instanceof Error ? thrown.message : String(thrown)}`;
    }
  };
  return {
    tiers,
    error,
    init() {
      void refresh();
      return client.watch(() => void refresh());
    },
    async choose(preference) {
      await client.setPreference(preference);
      await refresh();
    },
  };
}
