import { describe, expect, test, vi } from 'vitest';
import { reportTiers } from '../../../src/engine/tiers';
import type { EngineTiers } from '../../../src/protocol';
import { createEngineSettingsStore, type EngineSettingsClient } from '../../../src/ui/settings/engine-store';

function fakeClient(builtin: 'downloadable' | 'available' = 'downloadable') {
  let state = builtin;
  let preference: EngineTiers['preference'] = 'auto';
  let onChange = () => {};
  const tiers = (): EngineTiers => {
    const reports = reportTiers({ gpu: null, cores: 2, offscreen: true, builtin: state });
    return { reports, preference, chosen: preference === 'auto' ? 'wasm' : preference };
  };
  const client = {
    getEngineTiers: vi.fn(async () => tiers()),
    setPreference: vi.fn(async (next: EngineTiers['preference']) => {
      preference = next;
    }),
    watch: (listener: () => void) => {
      onChange = listener;
      return () => {};
    },
    downloadBuiltin: vi.fn<EngineSettingsClient['downloadBuiltin']>(async (onProgress) => {
      onProgress({ files: [], loaded: 1, total: 4 });
      state = 'available';
    }),
    /** Another settings tab changed the preference. */
    changeElsewhere(next: EngineTiers['preference']) {
      preference = next;
      onChange();
    },
  };
  return client;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the engine settings', () => {
  test('list the tiers, and a pick is stored and shown as the tier in use', async () => {
    const client = fakeClient();
    const store = createEngineSettingsStore(client);
    store.init();
    await settle();
    expect(store.tiers.value?.chosen).toBe('wasm');
    await store.choose('wasm-threads');
    expect(client.setPreference).toHaveBeenCalledWith('wasm-threads');
    expect(store.tiers.value).toMatchObject({ preference: 'wasm-threads', chosen: 'wasm-threads' });
  });

  test('a pick the worker refuses is shown, and never rejects (the select does not wait for it)', async () => {
    const client = fakeClient();
    client.setPreference.mockRejectedValueOnce(new Error('Receiving end does not exist.'));
    const store = createEngineSettingsStore(client);
    store.init();
    await settle();
    await expect(store.choose('wasm-threads')).resolves.toBeUndefined();
    expect(store.error.value).toContain('Could not save the engine');
    expect(store.tiers.value?.preference).toBe('auto');
  });

  test('follow a change made in another settings tab', async () => {
    const client = fakeClient();
    const store = createEngineSettingsStore(client);
    store.init();
    await settle();
    client.changeElsewhere('webgpu');
    await settle();
    expect(store.tiers.value?.preference).toBe('webgpu');
  });

  test('download Chrome’s model only when asked, with progress, then use it', async () => {
    const client = fakeClient('downloadable');
    const store = createEngineSettingsStore(client);
    store.init();
    await settle();
    expect(client.downloadBuiltin).not.toHaveBeenCalled();
    const seen: (number | null)[] = [];
    const done = store.downloadBuiltin();
    seen.push(store.builtinDownload.value);
    await done;
    expect(seen).toEqual([0.25]);
    expect(store.builtinDownload.value).toBeNull();
    expect(client.setPreference).toHaveBeenCalledWith('chrome-builtin');
    expect(store.tiers.value?.reports.find((report) => report.tier === 'chrome-builtin')?.state).toBe(
      'available',
    );
  });

  test('a failed download is said, in words', async () => {
    const client = fakeClient('downloadable');
    client.downloadBuiltin.mockRejectedValueOnce(new Error('not enough space'));
    const store = createEngineSettingsStore(client);
    store.init();
    await settle();
    await store.downloadBuiltin();
    expect(store.error.value).toMatch(/not enough space/);
    expect(client.setPreference).not.toHaveBeenCalled();
  });
});
