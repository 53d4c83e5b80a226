import { TEST_MODELS_DIR } from '../../scripts/test-models';
import { createTransformersBackend } from '../../src/engine/backends/transformers';
import type { ModelFiles } from '../../src/engine/backends/transformers-files';

/**
 * The real transformers.js backend on onnxruntime-node, loading the generated models from disk, and
 * models that are not bundled from `files` (a downloader over a stand-in hub).
 */
export function createTestBackend(files?: ModelFiles) {
  return createTransformersBackend({ device: 'cpu', localModelPath: TEST_MODELS_DIR, files });
}
