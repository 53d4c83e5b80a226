import { resolve } from 'node:path';
import { createTransformersBackend } from '../../src/engine/backends/transformers';

/** Where the generator writes the test models (see scripts/generate-test-models.ts). */
export const TEST_MODELS_PATH = `${resolve('test-models')}/`;

/** The real transformers.js backend on onnxruntime-node, loading the generated models from disk. */
export function createTestBackend() {
  return createTransformersBackend({ device: 'cpu', localModelPath: TEST_MODELS_PATH });
}
