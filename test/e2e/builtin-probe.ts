import { createChromeBuiltinTier, probeBuiltinModel } from '../../src/engine/backends/chrome-builtin';
import { reportTiers, type TierReport } from '../../src/engine/tiers';
import { AppError } from '../../src/errors';

/**
 * Bundled on its own and run in the extension's real service worker by engine-builtin.test.ts: the
 * `chrome-builtin` probe, its tier report and a load attempt, as the engine would make them, without wiring
 * the tier into the worker's entry point.
 */
export async function probeBuiltinTier(): Promise<{
  builtin: Awaited<ReturnType<typeof probeBuiltinModel>>;
  hasApi: boolean;
  report: TierReport | undefined;
  availability: string;
  loadError: { code: string; message: string } | null;
}> {
  const builtin = await probeBuiltinModel();
  const report = reportTiers({
    gpu: null,
    cores: navigator.hardwareConcurrency,
    offscreen: false,
    builtin,
  }).find((tier) => tier.tier === 'chrome-builtin');
  const tier = createChromeBuiltinTier();
  const model = await tier.model();
  let loadError: { code: string; message: string } | null = null;
  try {
    const session = await tier.backend.load(model, () => {});
    await session.dispose();
  } catch (error) {
    loadError =
      error instanceof AppError
        ? { code: error.code, message: error.message }
        : { code: '?', message: String(error) };
  }
  return {
    builtin,
    hasApi: 'LanguageModel' in globalThis,
    report,
    availability: await tier.backend.availability(model),
    loadError,
  };
}
