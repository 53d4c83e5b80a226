import { cpSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { type CrxPlugin, crx } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import { build, defineConfig, type Plugin, type UserConfig } from 'vite';
import manifest from './manifest.json' with { type: 'json' };
import { firefoxManifest, SIDEBAR_PAGE } from './scripts/firefox-manifest';
import { BENCH_QWEN_DIR, TEST_DECODER_DIR, TEST_ENCODER_DIR } from './scripts/test-models';
import { PACKAGED_SIZES_FILE } from './src/engine/files/verified-cache';
import {
  BENCH_BUILD_MODE,
  BENCH_QWEN_SHAPE,
  BENCH_SMALL_BUILD_MODE,
  isBenchBuild,
  TEST_BUILD_MODE,
  TEST_TINY_BERT,
  TEST_TINY_LLAMA,
} from './src/engine/registry';

/** Every file under `dir`, as paths relative to it with `/` separators, with its byte length. */
function fileSizes(dir: string): Record<string, number> {
  const sizes: Record<string, number> = {};
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = resolve(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else sizes[relative(dir, path).split('\\').join('/')] = statSync(path).size;
    }
  };
  walk(dir);
  return sizes;
}

/**
 * Test and bench builds carry generated models under models/, so they run with no network at all. Beside
 * them, `models/sizes.json` gives each file's byte length: a packaged file's response has no
 * `content-length`, and transformers.js reads a response without one in quadratic time (issue 19).
 */
function bundleModels(outDir: string, models: PackagedModel[]): Plugin {
  return {
    name: 'pagewise:bundle-models',
    apply: 'build',
    closeBundle() {
      for (const [source, repo, files] of models) {
        if (!existsSync(source))
          throw new Error(
            `${source} is missing: generate it first (npm run models:test; npm run bench writes its own)`,
          );
        cpSync(source, resolve(outDir, 'models', repo), {
          recursive: true,
          // Only what the registry's dtypes load; an unused fp32 twin would double the package for nothing.
          filter: (path) => files === 'with-fp32' || !path.endsWith('/model.onnx'),
        });
      }
      const folder = resolve(outDir, 'models');
      writeFileSync(resolve(folder, PACKAGED_SIZES_FILE), `${JSON.stringify(fileSizes(folder), null, 1)}\n`);
    },
  };
}

/**
 * transformers.js points ONNX Runtime at a CDN outside service workers (an offscreen document, a page).
 * Store review reads a CDN URL in the package as remote code, and offline it would fail: the condition is
 * cut, so every context uses ORT's own default, the `.wasm` Vite emits into the package (NOTES.md). The
 * snippet must be found: a transformers.js update that moves it fails the build instead of leaking the URL.
 */
function withoutCdnPaths(): Plugin {
  const setsCdnPaths = 'ONNX_ENV.versions?.web && !ONNX_ENV.wasm.wasmPaths';
  const cdn = /https:\/\/cdn\.jsdelivr\.net\/npm\/[^`'"]*/g;
  return {
    name: 'pagewise:without-cdn-paths',
    transform(code, id) {
      if (!id.includes('@huggingface/transformers') || !code.includes('cdn.jsdelivr.net')) return null;
      if (!code.includes(setsCdnPaths))
        throw new Error(
          `${id}: transformers.js no longer sets wasmPaths as expected; update withoutCdnPaths`,
        );
      const patched = code.replace(setsCdnPaths, 'false').replace(cdn, '');
      return { code: patched, map: null };
    },
  };
}

type ContentScripts = NonNullable<
  Parameters<NonNullable<CrxPlugin['transformCrxManifest']>>[0]['content_scripts']
>;

/**
 * Content scripts as one self-contained file each (and `injected`, the scripts the worker injects with
 * `scripting.executeScript` but the manifest does not declare: the PDF reader). crxjs turns an ES-module content script into a loader
 * that imports chunks, and lists those chunks as web-accessible to every matched site
 * (`use_dynamic_url: false`), so any page could fetch them and tell the extension and its version. Here
 * crxjs never sees the content scripts: each is built on its own as an IIFE, emitted under its source name
 * (`content/index.ts` -> `content/index.js`), and put back into the manifest.
 */
function selfContainedContentScripts(injected: string[]): CrxPlugin {
  let scripts: ContentScripts = [];
  let alias: Record<string, string> = {};
  let mode = 'production';
  return {
    name: 'pagewise:self-contained-content-scripts',
    apply: 'build',
    // After crxjs's own manifest plugins, which would look for the content scripts they did not build.
    enforce: 'post',
    configResolved(config) {
      mode = config.mode;
      alias = Object.fromEntries(
        config.resolve.alias.flatMap(({ find, replacement }) =>
          typeof find === 'string' ? [[find, replacement]] : [],
        ),
      );
    },
    // crxjs's own hooks: before it reads the manifest, and before it writes it.
    transformCrxManifest(manifest) {
      scripts = manifest.content_scripts ?? [];
      delete manifest.content_scripts;
      return manifest;
    },
    async renderCrxManifest(manifest) {
      const built = new Map<string, string>();
      for (const source of new Set([...scripts.flatMap((script) => script.js ?? []), ...injected])) {
        const fileName = source.replace(/\.[cm]?[jt]sx?$/, '.js');
        const output = await build({
          configFile: false,
          mode,
          logLevel: 'warn',
          publicDir: false,
          resolve: { alias },
          build: {
            write: false,
            target: 'esnext',
            rollupOptions: { input: resolve(source), output: { format: 'iife', entryFileNames: fileName } },
          },
        });
        const chunks = (Array.isArray(output) ? output : [output]).flatMap((o) =>
          'output' in o ? o.output : [],
        );
        const [entry, ...rest] = chunks;
        if (entry?.type !== 'chunk' || rest.length > 0)
          throw new Error(
            `${source} must build to one file, got ${chunks.map((c) => c.fileName).join(', ')}`,
          );
        this.emitFile({ type: 'asset', fileName, source: entry.code });
        built.set(source, fileName);
      }
      manifest.content_scripts = scripts.map((script) => ({
        ...script,
        js: script.js?.map((source) => built.get(source) ?? source),
      }));
      return manifest;
    },
  };
}

/** The PDF reader, injected into PDF tabs only (src/handlers/pdf-reader.ts names its output). */
const PDF_READER_SOURCE = 'content/pdf.ts';

/**
 * pdf.js's packed cMaps (CJK fonts with predefined CMaps read as nothing without them), where the worker reads
 * them to hand them to a PDF tab over messaging: they are not web-accessible.
 */
function pdfCMaps(outDir: string): Plugin {
  return {
    name: 'pagewise:pdf-cmaps',
    apply: 'build',
    closeBundle() {
      // Their LICENSE comes along.
      cpSync(resolve('node_modules/pdfjs-dist/cmaps'), resolve(outDir, 'pdf/cmaps'), { recursive: true });
    },
  };
}

/** A generated model folder, where it goes under models/, and whether its fp32 file is loaded too. */
type PackagedModel = [source: string, repo: string, files?: 'with-fp32'];

const TEST_MODELS: PackagedModel[] = [
  // WebGPU runs the fp32 file (TEST_TINY_LLAMA_GPU), WASM the int8 one.
  [TEST_DECODER_DIR, TEST_TINY_LLAMA.repo, 'with-fp32'],
  [TEST_ENCODER_DIR, TEST_TINY_BERT.repo],
];

/** The browser a build targets: Chrome's package (`dist*`) or Firefox's (`dist-firefox*`, vite.firefox.config.ts). */
export type TargetBrowser = 'chrome' | 'firefox';

const PACKAGED: Record<string, { outDir: string; models: PackagedModel[] }> = {
  [TEST_BUILD_MODE]: { outDir: 'dist-test', models: TEST_MODELS },
  // The test build's models with the bench's worker, for the bench's WebGPU run (webgpuVsWasm).
  [BENCH_SMALL_BUILD_MODE]: { outDir: 'dist-bench-small', models: TEST_MODELS },
  [BENCH_BUILD_MODE]: {
    outDir: 'dist-bench',
    models: [
      [BENCH_QWEN_DIR, BENCH_QWEN_SHAPE.repo],
      [TEST_ENCODER_DIR, TEST_TINY_BERT.repo],
    ],
  },
};

/** Firefox's packages: the production one, and the test build with the same packaged models as `dist-test/`. */
const FIREFOX_PACKAGED: Record<string, { outDir: string; models: PackagedModel[] }> = {
  production: { outDir: 'dist-firefox', models: [] },
  [TEST_BUILD_MODE]: { outDir: 'dist-firefox-test', models: TEST_MODELS },
};

/**
 * The bench builds run the bench's worker (bench/extension/worker.ts): the extension's own worker with the
 * hooks the bench times through. Every other build, the test build included, has no bench code at all.
 */
function withBenchWorker(extension: typeof manifest): typeof manifest {
  return {
    ...extension,
    background: { ...extension.background, service_worker: 'bench/extension/worker.ts' },
  };
}

/** One source, two packages: the build for `browser` in `mode` (production, test-build, the bench builds). */
export function pagewiseConfig(browser: TargetBrowser, mode: string): UserConfig {
  if (browser === 'firefox' && !FIREFOX_PACKAGED[mode])
    throw new Error(`No Firefox build for mode ${mode}: build production or ${TEST_BUILD_MODE}.`);
  const packaged = browser === 'firefox' ? FIREFOX_PACKAGED[mode] : PACKAGED[mode];
  const outDir = packaged?.outDir ?? 'dist';
  const crxPlugin =
    browser === 'firefox'
      ? // crxjs's Firefox mode wants `background.scripts` in its input manifest (firefoxManifest writes it).
        crx({ manifest: firefoxManifest(manifest) as unknown as typeof manifest, browser: 'firefox' })
      : crx({ manifest: isBenchBuild(mode) ? withBenchWorker(manifest) : manifest });
  return {
    plugins: [
      preact(),
      crxPlugin,
      selfContainedContentScripts([PDF_READER_SOURCE]),
      pdfCMaps(outDir),
      withoutCdnPaths(),
      ...(packaged && packaged.models.length > 0 ? [bundleModels(outDir, packaged.models)] : []),
    ],
    build: {
      outDir,
      rollupOptions: {
        input:
          browser === 'firefox'
            ? // crxjs builds `side_panel` but not Firefox's `sidebar_action`: the sidebar's page is one more input.
              { sidebar: SIDEBAR_PAGE }
            : // The offscreen host is opened by the worker (chrome.offscreen), never listed in the manifest nor
              // web-accessible; crxjs builds it as one more extension page. Firefox has no offscreen documents.
              { offscreen: 'offscreen/index.html' },
      },
      emptyOutDir: true,
      target: 'esnext',
      // Model code is large by nature; the warning would only be noise.
      chunkSizeWarningLimit: 4096,
    },
    server: { port: 5173, strictPort: true },
  };
}

export default defineConfig(({ mode }) => pagewiseConfig('chrome', mode));
