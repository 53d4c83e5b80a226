import { createChromeBuiltinTier, probeBuiltinModel } from '../src/engine/backends/chrome-builtin';
import { createOffscreenTier, type OffscreenBackend } from '../src/engine/backends/offscreen';
import { createTransformersBackend } from '../src/engine/backends/transformers';
import { createTieredEngine, type Engine } from '../src/engine/engine';
import { probeMachine } from '../src/engine/probe';
import { defaultModelForTier } from '../src/engine/registry';
import { createTierSource, type TierSource } from '../src/engine/tier-source';
import type { TierId } from '../src/engine/tiers';
import type { TierBackend } from '../src/engine/types';
import { loadSettings, watchSettings } from '../src/settings';

/** The worker's engine over every tier this build has, following the user's engine setting. */
export function createWorkerEngine(
  buildMode: string,
  localModelPath: string,
): {
  engine: Engine;
  source: TierSource;
  /** The offscreen host's backend, whose idle alarm the worker's top level routes to it. */
  offscreen: OffscreenBackend;
} {
  const transformersTier = (tier: TierId, device: 'wasm' | 'webgpu'): TierBackend | undefined => {
    const model = defaultModelForTier(tier, buildMode);
    if (!model) return undefined;
    return {
      tier,
      backend: createTransformersBackend({ device, localModelPath }),
      model: async () => model,
    };
  };
  // Chrome's multi-GB download starts only when the user picked this tier by hand.
  const builtin = createChromeBuiltinTier({
    mayDownload: async () => (await loadSettings()).engine === 'chrome-builtin',
  });
  const cpuModel = defaultModelForTier('wasm-threads', buildMode);
  const threads = createOffscreenTier({
    localModelPath,
    model: async () => {
      if (!cpuModel) throw new Error('No model for WASM threads in this build.');
      return cpuModel;
    },
  });
  // In the order of TIER_IDS; `wasm`, which always runs, last.
  const tiers = [
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
  // A new pick in Settings applies from the next request, with no reload.
  watchSettings(() => engine.reconfigure());
  return { engine, source, offscreen: threads.backend };
}
