import { t } from '../i18n';
import { type Availability, type EnginePreference, TIER_IDS, type TierId, type TierReport } from '../model';

/** What the cheap checks found on this machine; each field is what one tier needs. */
export interface MachineCapabilities {
  /** The WebGPU adapter, or null when `navigator.gpu` is missing or gives no adapter. */
  gpu: GpuAdapterFacts | null;
  /** Why there is no adapter, when known ("navigator.gpu is missing" vs no adapter). */
  gpuMissing?: 'no-api' | 'no-adapter';
  /** `navigator.hardwareConcurrency`. */
  cores: number;
  /** Whether this browser can open an offscreen document (`chrome.offscreen`). */
  offscreen: boolean;
  /** `LanguageModel.availability()`, or null when the Prompt API is not in this browser. */
  builtin: Availability | null;
}

/** The adapter facts the model choice depends on. */
export interface GpuAdapterFacts {
  /** e.g. `swiftshader` (a CPU emulation: correct but slow). */
  architecture: string;
  vendor: string;
  shaderF16: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

/**
 * Threads help when there are cores to spare. On 2 cores the bench found 2 threads 1.5x faster on an idle
 * machine but 0.7x at decode under load (`threadedSpeedup`), with nothing left for the browser: so automatic
 * starts at 4, and below that the tier stays one click away in Settings.
 */
export const MIN_CORES_FOR_THREADS = 4;

/** The report of every tier, in automatic order, from what the checks found. */
export function reportTiers(machine: MachineCapabilities): TierReport[] {
  return TIER_IDS.map((tier) => REPORTERS[tier](machine));
}

const REPORTERS: Record<TierId, (machine: MachineCapabilities) => TierReport> = {
  // Nothing about this machine tells: the tier reports the server the user connected (TierBackend.report).
  'local-server': () => ({
    tier: 'local-server',
    state: 'unavailable',
    reason: t('tier_server_none'),
    forcible: false,
  }),

  webgpu({ gpu, gpuMissing }) {
    if (!gpu) {
      return {
        tier: 'webgpu',
        state: 'unavailable',
        reason: gpuMissing === 'no-api' ? t('tier_no_webgpu') : t('tier_no_gpu_adapter'),
        forcible: false,
      };
    }
    if (gpu.architecture === 'swiftshader') {
      // A CPU emulation of a GPU: correct, but far slower than WASM on the same CPU (NOTES.md).
      return {
        tier: 'webgpu',
        state: 'unavailable',
        reason: t('tier_software_gpu'),
        forcible: true,
      };
    }
    return {
      tier: 'webgpu',
      state: 'available',
      reason: t(gpu.shaderF16 ? 'tier_gpu_f16' : 'tier_gpu_f32', gpu.vendor || gpu.architecture || '·'),
      forcible: true,
    };
  },

  'chrome-builtin'({ builtin }) {
    switch (builtin) {
      case 'available':
        return {
          tier: 'chrome-builtin',
          state: 'available',
          reason: t('tier_builtin_ready'),
          forcible: true,
        };
      case 'downloadable':
        return {
          tier: 'chrome-builtin',
          state: 'downloadable',
          reason: t('tier_builtin_downloadable'),
          forcible: true,
        };
      case 'downloading':
        return {
          tier: 'chrome-builtin',
          state: 'downloadable',
          reason: t('tier_builtin_downloading'),
          forcible: true,
        };
      case 'unavailable':
        return {
          tier: 'chrome-builtin',
          state: 'unavailable',
          reason: t('tier_builtin_cannot_run'),
          forcible: false,
        };
      default:
        return {
          tier: 'chrome-builtin',
          state: 'unavailable',
          reason: t('tier_builtin_missing'),
          forcible: false,
        };
    }
  },

  'wasm-threads'({ cores, offscreen }) {
    if (!offscreen) {
      return {
        tier: 'wasm-threads',
        state: 'unavailable',
        reason: t('tier_no_offscreen'),
        forcible: false,
      };
    }
    if (cores < MIN_CORES_FOR_THREADS) {
      return {
        tier: 'wasm-threads',
        state: 'unavailable',
        reason: t('tier_few_cores', cores),
        forcible: true,
      };
    }
    return {
      tier: 'wasm-threads',
      state: 'available',
      reason: t('tier_threads', cores, threadCount(cores)),
      forcible: true,
    };
  },

  wasm: () => ({
    tier: 'wasm',
    state: 'available',
    reason: t('tier_wasm'),
    forcible: true,
  }),
};

/** Threads for the offscreen host: all cores but one left for the page and the browser, at most 8. */
export function threadCount(cores: number): number {
  return Math.max(1, Math.min(8, cores - 1));
}

/**
 * The tier to use: the one picked by hand if it can run, else the first available. `wasm` is always
 * available, so there is always an answer.
 */
export function chooseTier(reports: readonly TierReport[], preference: EnginePreference): TierId {
  if (preference !== 'auto') {
    const picked = reports.find((report) => report.tier === preference);
    if (picked && (picked.state === 'available' || picked.forcible)) return picked.tier;
  }
  return reports.find((report) => report.state === 'available')?.tier ?? 'wasm';
}
