import { t } from '../i18n';
import type { EnginePreference, ModelSpec, TierId, TierReport } from '../model';
import type { EngineTiers } from '../protocol';
import type { EngineSource, EngineTarget } from './engine';
import { chooseTier, type GpuAdapterFacts, type MachineCapabilities, reportTiers } from './tiers';
import type { TierBackend } from './types';

export interface TierSourceOptions {
  /** The tiers this build can run; a tier missing here is reported unavailable. */
  tiers: readonly TierBackend[];
  /** The cheap checks of this machine (no model is loaded). */
  probe(): Promise<MachineCapabilities>;
  preference(): Promise<EnginePreference>;
}

/** Picks what the engine loads, and tells Settings why. */
export interface TierSource extends EngineSource {
  /** Every tier's report; `refresh` probes the machine again. */
  tiers(failed: ReadonlyMap<TierId, string>, refresh?: boolean): Promise<EngineTiers>;
}

const MB = 1024 * 1024;

/** Why a model cannot run on this GPU, or null when it can. */
export function gpuProblem(gpu: GpuAdapterFacts, model: ModelSpec): string | null {
  if (model.needsShaderF16 && !gpu.shaderF16) {
    return t('tier_gpu_no_f16', model.name);
  }
  const limit = Math.min(gpu.maxStorageBufferBindingSize, gpu.maxBufferSize);
  if (model.largestTensorBytes !== undefined && model.largestTensorBytes > limit) {
    return t(
      'tier_gpu_buffers',
      model.name,
      Math.ceil(model.largestTensorBytes / MB),
      Math.floor(limit / MB),
    );
  }
  return null;
}

export function createTierSource({ tiers, probe, preference }: TierSourceOptions): TierSource {
  let machine: Promise<MachineCapabilities> | undefined;
  const probed = (refresh = false) => {
    if (refresh || !machine) {
      machine = probe();
      // A failed probe must not stick.
      machine.catch(() => {
        machine = undefined;
      });
    }
    return machine;
  };

  const reports = async (
    found: MachineCapabilities,
    failed: ReadonlyMap<TierId, string>,
  ): Promise<TierReport[]> => {
    const list: TierReport[] = [];
    for (const report of reportTiers(found)) {
      const backend = tiers.find((candidate) => candidate.tier === report.tier);
      const failure = failed.get(report.tier);
      if (backend?.report && failure === undefined) {
        list.push(await backend.report());
      } else if (!backend) {
        list.push({ ...report, state: 'unavailable', reason: t('tier_not_built'), forcible: false });
      } else if (failure !== undefined) {
        list.push({
          ...report,
          state: 'unavailable',
          reason: t('tier_failed', failure),
          forcible: false,
        });
      } else if (report.tier === 'webgpu' && report.state === 'available' && found.gpu) {
        const problem = gpuProblem(found.gpu, await backend.model(found));
        list.push(problem ? { ...report, state: 'unavailable', reason: problem, forcible: false } : report);
      } else {
        list.push(report);
      }
    }
    return list;
  };

  return {
    async pick(failed): Promise<EngineTarget> {
      const found = await probed();
      const tier = chooseTier(await reports(found, failed), await preference());
      // chooseTier answers `wasm` at worst, which every build has.
      const chosen = tiers.find((candidate) => candidate.tier === tier) ?? tiers[tiers.length - 1];
      if (!chosen) throw new Error('No engine tier in this build.');
      return { tier: chosen.tier, backend: chosen.backend, model: await chosen.model(found) };
    },

    async tiers(failed, refresh = false) {
      const list = await reports(await probed(refresh), failed);
      const pref = await preference();
      return { reports: list, preference: pref, chosen: chooseTier(list, pref) };
    },
  };
}
