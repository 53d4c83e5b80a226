import { createEngine, type Engine } from './engine';
import type { ModelSpec } from './registry';
import type { Backend } from './types';

/**
 * An engine that runs the model Settings picks (`pick` is asked before each request, so a new pick takes
 * effect without a reload). Switching waits for the requests already given to the old model, then frees it;
 * requests keep their arrival order across the switch. Until the tiered engine chooses per tier, this serves
 * the one CPU backend.
 */
export function createPickedEngine(
  backend: Backend,
  initial: ModelSpec,
  pick: () => Promise<ModelSpec>,
): Engine {
  let current = createEngine(backend, initial);
  const inFlight = new Set<Promise<unknown>>();
  // Every switch and every request start goes through this chain, in order.
  let chain: Promise<unknown> = Promise.resolve();

  const engineFor = (): Promise<Engine> => {
    const next = chain.then(async () => {
      const model = await pick().catch(() => current.model);
      if (model.id !== current.model.id) {
        const old = current;
        await Promise.allSettled([...inFlight]);
        await old.dispose();
        current = createEngine(backend, model);
      }
      return current;
    });
    chain = next.catch(() => {});
    return next;
  };

  return {
    get model() {
      return current.model;
    },
    async status() {
      // Never waits for a switch (which waits for running requests): a new pick is described as it will be.
      const model = await pick().catch(() => current.model);
      if (model.id === current.model.id) return current.status();
      return {
        modelName: model.name,
        availability: await backend.availability(model),
        downloadBytes: model.downloadBytes,
      };
    },
    async run(task, options) {
      const engine = await engineFor();
      const running = engine.run(task, options);
      inFlight.add(running);
      void running.finally(() => inFlight.delete(running)).catch(() => {});
      return running;
    },
    dispose: () => current.dispose(),
  };
}
