import { env } from '@huggingface/transformers';
import ortMjs from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import browser from 'webextension-polyfill';
import { serveOffscreenHost } from '../src/engine/backends/offscreen/host';
import { createTransformersBackend } from '../src/engine/backends/transformers';
import { createModelFiles } from '../src/engine/files';
import { sendToWorker } from '../src/protocol';

// The offscreen document (chrome.offscreen, reason WORKERS): runs the model on WASM threads, which the
// service worker cannot have. It only computes; the worker opens it, talks to it over one port, and closes it.

// ORT's own files, packaged: the runtime transformers.js imports (onnxruntime-web/webgpu, the asyncify
// build) with its factory as a file, since each pthread worker starts from the factory's URL. Vite emits
// the .wasm once for this page and the service worker alike (same content, same asset). Without these,
// transformers.js points a page at a CDN.
const wasmPaths = { mjs: new URL(ortMjs, location.href).href, wasm: new URL(ortWasm, location.href).href };
const localModelPath = browser.runtime.getURL('models/');
// The same verified store as the worker's (one extension origin, one IndexedDB): a model downloaded by
// either is there for both. Which files were hashed in this browser session, the worker keeps for both
// (this document has no `storage.session`); if it cannot be asked, the file is hashed again.
const files = createModelFiles({
  checked: {
    has: (url, expected) => sendToWorker('isFileChecked', { url, expected }).catch(() => false),
    add: (url, expected) => sendToWorker('markFileChecked', { url, expected }).catch(() => {}),
    forget: (urls) => sendToWorker('forgetCheckedFiles', { urls: [...urls] }).catch(() => {}),
  },
});
const stateView = document.getElementById('state') as HTMLOutputElement;
// ORT settles its thread count once per document, on its first session (1 where threads cannot run): a later
// load asking for another count changes `env`, not the threads that run.
let ortThreads: number | undefined;

serveOffscreenHost({
  createBackend: (numThreads) =>
    createTransformersBackend({ device: 'wasm', localModelPath, files, runtime: { numThreads, wasmPaths } }),
  threadsInUse: () => (ortThreads ??= env.backends.onnx.wasm?.numThreads ?? 1),
  onState(state) {
    stateView.dataset.state = 'loaded';
    stateView.dataset.threads = String(state.numThreads);
    stateView.dataset.model = state.model;
    stateView.textContent = `${state.model} on ${state.numThreads} threads`;
  },
});
