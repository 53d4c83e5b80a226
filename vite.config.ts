import { cpSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { crx } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import { defineConfig, type Plugin } from 'vite';
import manifest from './manifest.json' with { type: 'json' };
import { BENCH_QWEN_DIR, TEST_DECODER_DIR, TEST_ENCODER_DIR } from './scripts/test-models';
import {
  BENCH_BUILD_MODE,
  BENCH_QWEN_SHAPE,
  TEST_BUILD_MODE,
  TEST_TINY_BERT,
  TEST_TINY_LLAMA,
} from './src/engine/registry';

/** Test and bench builds carry generated models under models/, so they run with no network at all. */
function bundleModels(outDir: string, models: [source: string, repo: string][]): Plugin {
  return {
    name: 'pagewise:bundle-models',
    apply: 'build',
    closeBundle() {
      for (const [source, repo] of models) {
        if (!existsSync(source))
          throw new Error(
            `${source} is missing: generate it first (npm run models:test; npm run bench writes its own)`,
          );
        cpSync(source, resolve(outDir, 'models', repo), {
          recursive: true,
          // Only what the registry's dtype loads; the fp32 twin would double the package for nothing.
          filter: (path) => !path.endsWith('/model.onnx'),
        });
      }
    },
  };
}

/**
 * transformers.js points ONNX Runtime at a CDN outside service workers. Our model runs in the service
 * worker, where that path is never taken; store review reads a CDN URL in the package as remote code, so it
 * goes. A page context that runs a model must set `wasmPaths` to the packaged files (NOTES.md).
 */
function withoutCdnPaths(): Plugin {
  const cdn = 'https://cdn.jsdelivr.net/npm/';
  return {
    name: 'pagewise:without-cdn-paths',
    transform(code, id) {
      if (!id.includes('@huggingface/transformers') || !code.includes(cdn)) return null;
      return { code: code.replaceAll(cdn, '/not-packaged/'), map: null };
    },
  };
}

const PACKAGED: Record<string, { outDir: string; models: [string, string][] }> = {
  [TEST_BUILD_MODE]: {
    outDir: 'dist-test',
    models: [
      [TEST_DECODER_DIR, TEST_TINY_LLAMA.repo],
      [TEST_ENCODER_DIR, TEST_TINY_BERT.repo],
    ],
  },
  [BENCH_BUILD_MODE]: {
    outDir: 'dist-bench',
    models: [
      [BENCH_QWEN_DIR, BENCH_QWEN_SHAPE.repo],
      [TEST_ENCODER_DIR, TEST_TINY_BERT.repo],
    ],
  },
};

export default defineConfig(({ mode }) => {
  const packaged = PACKAGED[mode];
  const outDir = packaged?.outDir ?? 'dist';
  return {
    plugins: [
      preact(),
      crx({ manifest }),
      withoutCdnPaths(),
      ...(packaged ? [bundleModels(outDir, packaged.models)] : []),
    ],
    build: {
      outDir,
      rollupOptions: {
        // The offscreen host is opened by the worker (chrome.offscreen), never listed in the manifest nor
        // web-accessible; crxjs builds it as one more extension page.
        input: { offscreen: 'offscreen/index.html' },
      },
      emptyOutDir: true,
      target: 'esnext',
      // Model code is large by nature; the warning would only be noise.
      chunkSizeWarningLimit: 4096,
    },
    server: { port: 5173, strictPort: true },
  };
});
