import { render } from 'preact';
import browser from 'webextension-polyfill';
import { localizeDocument } from '../src/i18n';
import { SummaryStoreContext } from '../src/ui/summary-context';
import { createSummaryClient, createSummaryStore } from '../src/ui/summary-store';
import { readTabParam } from '../src/ui/tab-param';
import { App, type TabInfo } from './app';
import '../src/ui/theme.css';
import '../src/ui/markdown.css';
import './popup.css';

/** The tab to act on: the one named by `?tab=`, else the active tab of this window. */
async function findTab(): Promise<TabInfo | null> {
  const named = readTabParam(location.search);
  try {
    const tab =
      named !== null
        ? await browser.tabs.get(named)
        : (await browser.tabs.query({ active: true, currentWindow: true }))[0];
    if (tab?.id === undefined) return named !== null ? { id: named } : null;
    return { id: tab.id, title: tab.title, url: tab.url };
  } catch {
    // A named tab we cannot look up may still be summarized: the worker reports what went wrong.
    return named !== null ? { id: named } : null;
  }
}

localizeDocument();
const root = document.getElementById('app');
if (root) {
  const store = createSummaryStore(createSummaryClient());
  const tab = await findTab();
  render(
    <SummaryStoreContext.Provider value={store}>
      <App tab={tab} />
    </SummaryStoreContext.Provider>,
    root,
  );
}
