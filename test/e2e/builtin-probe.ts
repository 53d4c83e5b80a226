import { probeBuiltinModel } from '../../src/engine/backends/chrome-builtin';
import { reportTiers, type TierReport } from '../../src/engine/tiers';

/**
 * Bundled on its own and run in the extension's real service worker by engine-builtin.test.ts: the
 * `chrome-builtin` probe and its tier report, as the engine computes them, without wiring the tier into the
 * worker's entry point.
 */
export async function probeBuiltinTier(): Promise<{
  builtin: Awaited<ReturnType<typeof probeBuiltinModel>>;
  hasApi: boolean;
  report: TierReport | undefined;
}> {
  const builtin = await probeBuiltinModel();
  const report = reportTiers({
    gpu: null,
    cores: navigator.hardwareConcurrency,
    offscreen: false,
    builtin,
  }).find((tier) => tier.tier === 'chrome-builtin');
  return { builtin, hasApi: 'LanguageModel' in globalThis, report };
}
