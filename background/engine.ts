import { createChromeBuiltinTier, probeBuiltinModel } from '../src/engine/backends/chrome-builtin';
import { createLocalServerTier } from '../src/engine/backends/local-server';
import { createOffscreenTier, type OffscreenBackend } from '../src/engine/backends/offscreen';
import { createTransformersBackend } from '../src/engine/backends/transformers';
import type { ModelFiles } from '../src/engine/backends/transformers-files';
import { createTieredEngine, type Engine } from '../src/engine/engine';
import { probeMachine } from '../src/engine/probe';
import { defaultModelForTier } from '../src/engine/registry';
import { createTierSource, type TierSource } from '../src/engine/tier-source';
import type { MachineCapabilities } from '../src/engine/tiers';
import type { TierBackend } from '../src/engine/types';
import { activeModel } from '../src/handlers/models';
import type { ModelSpec, TierId } from '../src/model';
import { loadSettings, watchEngineSettings } from '../src/settings';

/** The worker's engine over every tier this build has, following the user's engine and model settings. */
export function createWorkerEngine(
  buildMode: string,
  localModelPath: string,
  files: ModelFiles,
): {
  engine: Engine;
  source: TierSource;
  /** The offscreen host's backend, whose idle alarm the worker's top level routes to it. */
  offscreen: OffscreenBackend;
} {
  // The user's pick for the tier (Settings), else its default for this machine's GPU.
  const modelFor =
    (tier: TierId) =>
    async (machine?: MachineCapabilities): Promise<ModelSpec> => {
      const gpu = machine?.gpu ? { shaderF16: machine.gpu.shaderF16 } : undefined;
      const model = activeModel(tier, await loadSettings(), buildMode, gpu);
      if (!model) throw new Error(`No model for ${tier} in this build.`);
      return model;
    };
  const transformersTier = (tier: TierId, device: 'wasm' | 'webgpu'): TierBackend | undefined =>
    defaultModelForTier(tier, buildMode)
      ? { tier, backend: createTransformersBackend({ device, localModelPath, files }), model: modelFor(tier) }
      : undefined;
  // Chrome's multi-GB download starts only when the user picked this tier by hand.
  const builtin = createChromeBuiltinTier({
    mayDownload: async () => (await loadSettings()).engine === 'chrome-builtin',
  });
  const threads = createOffscreenTier({ localModelPath, files, model: modelFor('wasm-threads') });
  const server = createLocalServerTier({
    settings: async () => {
      const { localServer, serverContextTokens } = await loadSettings();
      return { server: localServer, contextTokens: serverContextTokens };
    },
    picked: async () => (await loadSettings()).engine === 'local-server',
  });
  // In the order of TIER_IDS; `wasm`, which always runs, last.
  const tiers = [
    server,
    transformersTier('webgpu', 'webgpu'),
    builtin,
    threads,
    transformersTier('wasm', 'wasm'),
  ].filter((tier): tier is TierBackend => tier !== undefined);
  const source = createTierSource({
    tiers,
    probe: () => probeMachine(probeBuiltinModel),
    preference: async () => (await loadSettings()).engine,
  });
  const engine = createTieredEngine(source);
  // A new pick in Settings (engine or model) applies from the next request; other settings (the summary
  // length, the answer language) leave the loaded model and its KV caches alone.
  watchEngineSettings(() => engine.reconfigure());
  return { engine, source, offscreen: threads.backend };
}
