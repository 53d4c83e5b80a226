import { render } from 'preact';
import { localizeDocument } from '../src/i18n';
import { ChatStoreContext } from '../src/ui/chat-context';
import { createChatStore, createChatWorkerClient } from '../src/ui/chat-store';
import { readTabParam } from '../src/ui/tab-param';
import { App } from './app';
import '../src/ui/theme.css';
import '../src/ui/markdown.css';
import '../src/ui/chat.css';
import '../src/ui/chat-history.css';
import './sidepanel.css';

localizeDocument();
const root = document.getElementById('app');
if (root) {
  const store = createChatStore(createChatWorkerClient());
  render(
    <ChatStoreContext.Provider value={store}>
      <App />
    </ChatStoreContext.Provider>,
    root,
  );
  // `?tab=` pins the panel to one tab (tests, a per-tab panel); without it the panel follows the active tab.
  void store.init(readTabParam(location.search));
}
