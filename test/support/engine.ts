import { TEST_MODELS_DIR } from '../../scripts/test-models';
import { createTransformersBackend } from '../../src/engine/backends/transformers';

/** The real transformers.js backend on onnxruntime-node, loading the generated models from disk. */
export function createTestBackend() {
  return createTransformersBackend({ device: 'cpu', localModelPath: TEST_MODELS_DIR });
}
