import browser from 'webextension-polyfill';
import { createHistoryStore } from '../src/chat/history';
import { createTransformersBackend } from '../src/engine/backends/transformers';
import { createEngine } from '../src/engine/engine';
import { BENCH_BUILD_MODE, defaultModel, TEST_BUILD_MODE } from '../src/engine/registry';
import { createChatHandler, getChatView } from '../src/handlers/chat';
import { createContextMenus, onContextMenuClicked, takePendingAsk } from '../src/handlers/context-menu';
import { getTabReadability, readPage } from '../src/handlers/page-reader';
import { createSummarizeHandler } from '../src/handlers/summarize';
import { forgetSummary, loadSummary } from '../src/handlers/summary-cache';
import {
  isExtensionPage,
  onRequests,
  onStreams,
  type StreamServer,
  sendToTab,
  workerRequests,
} from '../src/protocol';
import { openSidePanel } from '../src/side-panel';
import { installBenchHooks } from './bench-hooks';
import { createPageRetriever } from './retrieval';

// All listeners are registered synchronously at the top level, so events that wake the worker find them.

const localModelPath = browser.runtime.getURL('models/');
const engine = createEngine(
  createTransformersBackend({ device: 'wasm', localModelPath }),
  defaultModel(import.meta.env.MODE),
);
const history = createHistoryStore();
const retriever = createPageRetriever(import.meta.env.MODE, localModelPath);

const streams: StreamServer = onStreams(
  {
    summarize: createSummarizeHandler(engine),
    chat: createChatHandler({ engine, history, readPage, retrieve: retriever.retrieve }),
  },
  isExtensionPage,
);

onRequests(
  workerRequests,
  {
    getTabSummary: async ({ tabId }) => ({
      summary: await loadSummary(tabId, (await browser.tabs.get(tabId)).url),
      running: streams.isRunning('summarize', tabId),
    }),
    getTabReadability: ({ tabId }) => getTabReadability(tabId),
    getModelStatus: () => engine.status(),
    getChat: async ({ tabId }) => ({
      ...(await getChatView(history, tabId)),
      answering: streams.isRunning('chat', tabId),
    }),
    listChats: () => history.list(),
    openChat: ({ id }) => history.get(id),
    deleteChat: ({ id }) => history.delete(id),
    // Clearing the history also forgets the pages indexed for it: nothing read is left on disk.
    clearChats: async () => {
      await Promise.all([history.clear(), retriever.clear()]);
    },
    takePendingAsk: ({ tabId }) => takePendingAsk(tabId),
    showSource: ({ tabId, text }) => sendToTab(tabId, 'highlightText', { text }),
  },
  isExtensionPage,
);

// Vite replaces the mode, so the production build drops this and the hooks with it. The test build has them
// for the bench's WebGPU run on the small model.
if (import.meta.env.MODE === BENCH_BUILD_MODE || import.meta.env.MODE === TEST_BUILD_MODE)
  installBenchHooks(engine);

browser.runtime.onInstalled.addListener(() => {
  void createContextMenus();
});
browser.contextMenus.onClicked.addListener((info, tab) => {
  void onContextMenuClicked(info, tab);
});
browser.commands.onCommand.addListener((command, tab) => {
  if (command === 'open-side-panel' && tab?.id !== undefined) void openSidePanel(tab.id);
});
browser.tabs.onRemoved.addListener((tabId) => {
  void forgetSummary(tabId);
});
