import browser from 'webextension-polyfill';
import { openSidePanel } from '../src/browser-features';
import { createClearEpoch } from '../src/chat/clear-epoch';
import { createHistoryStore } from '../src/chat/history';
import { OFFSCREEN_IDLE_ALARM } from '../src/engine/backends/offscreen/protocol';
import { createModelFiles } from '../src/engine/files';
import { createCheckedFiles } from '../src/engine/files/checked-files';
import { TEST_BUILD_MODE } from '../src/engine/registry';
import { createChatHandler, getChatView } from '../src/handlers/chat';
import { createChatHistoryHandlers } from '../src/handlers/chat-history';
import { createContextMenus, onContextMenuClicked, takePendingAsk } from '../src/handlers/context-menu';
import { createLocalServerHandlers } from '../src/handlers/local-server';
import { logFailure } from '../src/handlers/log-failure';
import { createModelsHandler } from '../src/handlers/models';
import { getTabReadability, readPage } from '../src/handlers/page-reader';
import { createPdfReaderHandlers, showPdfPage } from '../src/handlers/pdf-reader';
import { createSettingsWriter } from '../src/handlers/settings-writer';
import { createSummarizeHandler } from '../src/handlers/summarize';
import { forgetSummary, loadSummary } from '../src/handlers/summary-cache';
import {
  isExtensionPage,
  isOwnContentScript,
  onRequests,
  onStreams,
  pdfReaderRequests,
  type StreamServer,
  sendToTab,
  workerRequests,
} from '../src/protocol';
import { createWorkerEngine } from './engine';
import { createPageRetriever } from './retrieval';

// All listeners are registered synchronously at the top level, so events that wake the worker find them.

const localModelPath = browser.runtime.getURL('models/');
// Files hashed in this browser session, for the worker's downloader and the offscreen host's alike.
const checkedFiles = createCheckedFiles();
const modelFiles = createModelFiles({ checked: checkedFiles });
const { engine, source, offscreen } = createWorkerEngine(import.meta.env.MODE, localModelPath, modelFiles);
const settings = createSettingsWriter();
const localServer = createLocalServerHandlers({ settings, engine });
const models = createModelsHandler({ files: modelFiles, engine, buildMode: import.meta.env.MODE, settings });
// One count of "Clear all"s for every store it empties, so no answer in flight writes back after one.
const clearEpoch = createClearEpoch();
const history = createHistoryStore({ clearEpoch });
const retriever = createPageRetriever(import.meta.env.MODE, localModelPath, modelFiles, clearEpoch);

const streams: StreamServer = onStreams(
  {
    summarize: createSummarizeHandler(engine),
    chat: createChatHandler({ engine, history, readPage, retrieve: retriever.retrieve, clearEpoch }),
  },
  isExtensionPage,
);
const chatHistory = createChatHistoryHandlers({
  history,
  pages: retriever.pages,
  engine,
  streams,
  clearEpoch,
});

onRequests(
  workerRequests,
  {
    getTabSummary: async ({ tabId }) => ({
      summary: await loadSummary(tabId, (await browser.tabs.get(tabId)).url),
      running: streams.isRunning('summarize', tabId),
    }),
    getTabReadability: ({ tabId }) => getTabReadability(tabId),
    getModelStatus: () => engine.status(),
    getEngineTiers: () => source.tiers(engine.failures(), true),
    getChat: async ({ tabId }) => ({
      ...(await getChatView(history, tabId)),
      answering: streams.isRunning('chat', tabId),
    }),
    listChats: () => history.list(),
    openChat: ({ id }) => history.get(id),
    deleteChat: chatHistory.deleteChat,
    clearChats: chatHistory.clearChats,
    takePendingAsk: ({ tabId }) => takePendingAsk(tabId),
    showSource: ({ tabId, text, page }) =>
      page === undefined ? sendToTab(tabId, 'highlightText', { text }) : showPdfPage(tabId, page),
    hideSource: ({ tabId }) => sendToTab(tabId, 'clearHighlight', {}),
    listModels: models.listModels,
    deleteModel: models.deleteModel,
    updateSettings: (change) => settings.update(change),
    addImportedModel: ({ spec }) => settings.addImportedModel(spec),
    connectServer: localServer.connectServer,
    chooseServerModel: localServer.chooseServerModel,
    disconnectServer: localServer.disconnectServer,
    isFileChecked: ({ url, expected }) => checkedFiles.has(url, expected),
    markFileChecked: ({ url, expected }) => checkedFiles.add(url, expected),
    forgetCheckedFiles: ({ urls }) => checkedFiles.forget(urls),
  },
  isExtensionPage,
);

// The PDF reader in a PDF tab asks for the packaged cMaps and, in a file:// tab, for the file's bytes.
onRequests(pdfReaderRequests, createPdfReaderHandlers(), isOwnContentScript);

/** For the bench builds' worker (bench/extension/worker.ts), which installs its hooks on them. */
export { engine, modelFiles, offscreen };

// Nothing awaits a listener's work: each failure is caught and logged with what it was doing.
browser.runtime.onInstalled.addListener(
  () => void createContextMenus().catch(logFailure('creating the menus')),
);
browser.contextMenus.onClicked.addListener(
  (info, tab) => void onContextMenuClicked(info, tab).catch(logFailure('a context-menu click')),
);
// Firefox's menus event has no `dispatch`: the test build alone lets the e2e tests click an item as Firefox
// does (test/e2e/firefox); production builds drop this branch.
if (import.meta.env.MODE === TEST_BUILD_MODE)
  Object.assign(globalThis, { pagewiseTest: { clickMenu: onContextMenuClicked } });
browser.commands.onCommand.addListener((command, tab) => {
  if (command === 'open-side-panel' && tab?.id !== undefined)
    openSidePanel(tab.id).catch(logFailure('opening the side panel'));
});
chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === OFFSCREEN_IDLE_ALARM)
    offscreen.closeIfIdle().catch(logFailure('closing the idle offscreen page'));
});
browser.tabs.onRemoved.addListener(
  (tabId) => void forgetSummary(tabId).catch(logFailure('forgetting a summary')),
);
