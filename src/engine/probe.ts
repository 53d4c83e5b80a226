import { hasOffscreenDocuments } from '../browser-features';
import type { GpuAdapterFacts, MachineCapabilities } from './tiers';

// The few WebGPU members read here, typed locally: the DOM typings of this TypeScript lack WebGPU.
interface GpuAdapterLike {
  features: { has(name: string): boolean };
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  info?: { architecture?: string; vendor?: string };
}
interface GpuLike {
  requestAdapter(options?: {
    powerPreference?: 'high-performance' | 'low-power';
  }): Promise<GpuAdapterLike | null>;
}

/** The adapter WebGPU would give transformers.js, or why there is none. */
export async function probeGpu(
  gpu: GpuLike | undefined = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu,
): Promise<Pick<MachineCapabilities, 'gpu' | 'gpuMissing'>> {
  if (!gpu) return { gpu: null, gpuMissing: 'no-api' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { gpu: null, gpuMissing: 'no-adapter' };
    const facts: GpuAdapterFacts = {
      architecture: adapter.info?.architecture ?? '',
      vendor: adapter.info?.vendor ?? '',
      shaderF16: adapter.features.has('shader-f16'),
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    };
    return { gpu: facts };
  } catch {
    return { gpu: null, gpuMissing: 'no-adapter' };
  }
}

/**
 * The cheap checks of every tier: no model is loaded and nothing is downloaded. `builtin` reads the Prompt
 * API's availability (never starting its download).
 */
export async function probeMachine(
  builtin: () => Promise<MachineCapabilities['builtin']>,
): Promise<MachineCapabilities> {
  const [gpu, builtinState] = await Promise.all([probeGpu(), builtin().catch(() => null)]);
  return {
    ...gpu,
    cores: globalThis.navigator?.hardwareConcurrency ?? 1,
    offscreen: hasOffscreenDocuments(),
    builtin: builtinState,
  };
}
