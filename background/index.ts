import browser from 'webextension-polyfill';
import { createTransformersBackend } from '../src/engine/backends/transformers';
import { createEngine } from '../src/engine/engine';
import { defaultModel } from '../src/engine/registry';
import { createSummarizeHandler } from '../src/handlers/summarize';
import { forgetSummary, loadSummary } from '../src/handlers/summary-cache';
import { isExtensionPage, onRequests, onStreams, workerRequests } from '../src/protocol';

// All listeners are registered synchronously at the top level, so events that wake the worker find them.

const engine = createEngine(
  createTransformersBackend({ device: 'wasm', localModelPath: browser.runtime.getURL('models/') }),
  defaultModel(import.meta.env.MODE),
);

onRequests(
  workerRequests,
  {
    getTabSummary: async ({ tabId }) => loadSummary(tabId, (await browser.tabs.get(tabId)).url),
    getModelStatus: () => engine.status(),
  },
  isExtensionPage,
);

onStreams({ summarize: createSummarizeHandler(engine) }, isExtensionPage);

browser.tabs.onRemoved.addListener((tabId) => {
  void forgetSummary(tabId);
});
