import type { Backend } from '../src/engine/types';
import { loadSettings } from '../src/settings';

/**
 * Stand-in for the tiered engine, until it lands: Settings' engine `wasm-threads` runs the model in the
 * offscreen host, anything else on one thread in this worker. Read at load, so a change applies after the
 * worker restarts. The tiered engine replaces this whole file.
 */
export function backendBySettings(wasm: Backend, wasmThreads: Backend): Backend {
  let chosen: Promise<Backend> | undefined;
  const pick = () => {
    chosen ??= loadSettings().then((settings) => (settings.engine === 'wasm-threads' ? wasmThreads : wasm));
    return chosen;
  };
  return {
    id: wasm.id,
    availability: async (model) => (await pick()).availability(model),
    load: async (model, onProgress) => (await pick()).load(model, onProgress),
  };
}
