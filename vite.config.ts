import { cpSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { crx } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import { defineConfig, type Plugin } from 'vite';
import manifest from './manifest.json' with { type: 'json' };
import { TEST_DECODER_DIR, TEST_ENCODER_DIR } from './scripts/test-models';
import { TEST_BUILD_MODE, TEST_TINY_BERT, TEST_TINY_LLAMA } from './src/engine/registry';

/** The test build carries the generated models under models/, so it runs with no network at all. */
function bundleTestModels(outDir: string): Plugin {
  return {
    name: 'pagewise:bundle-test-models',
    apply: 'build',
    closeBundle() {
      for (const [source, repo] of [
        [TEST_DECODER_DIR, TEST_TINY_LLAMA.repo],
        [TEST_ENCODER_DIR, TEST_TINY_BERT.repo],
      ] as const) {
        if (!existsSync(source)) throw new Error(`${source} is missing: run npm run models:test first.`);
        cpSync(source, resolve(outDir, 'models', repo), {
          recursive: true,
          // Only what the registry's dtype loads; the fp32 twin would double the package for nothing.
          filter: (path) => !path.endsWith('/model.onnx'),
        });
      }
    },
  };
}

export default defineConfig(({ mode }) => {
  const testBuild = mode === TEST_BUILD_MODE;
  const outDir = testBuild ? 'dist-test' : 'dist';
  return {
    plugins: [preact(), crx({ manifest }), ...(testBuild ? [bundleTestModels(outDir)] : [])],
    resolve: {
      alias: {
        // WASM-only ORT: half the size of the WebGPU build (14 vs 27 MB) and faster to start. The WebGPU
        // backend gets its own build path when it lands.
        'onnxruntime-web/webgpu': 'onnxruntime-web/wasm',
      },
    },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'esnext',
      // Model code is large by nature; the warning would only be noise.
      chunkSizeWarningLimit: 4096,
    },
    server: { port: 5173, strictPort: true },
  };
});
