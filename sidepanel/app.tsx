import { ChatComposer } from '../src/ui/chat-composer';
import { useChatStore } from '../src/ui/chat-context';
import { ChatHistory } from '../src/ui/chat-history';
import { ChatLog } from '../src/ui/chat-log';
import { formatMegabytes } from '../src/ui/model-status';
import { Brand, PageLine, SettingsLink } from '../src/ui/page-header';
import { ProgressBar } from '../src/ui/progress-bar';
import { FirstUseNote, StatusArea } from '../src/ui/status-line';

function Header() {
  const store = useChatStore();
  const page = store.page.value;
  const title = page?.title || store.conversation.value?.title;
  const history = store.screen.value === 'history';
  return (
    <header class="header bar chat-header">
      <div class="chat-header__bar">
        <Brand />
        <div class="chat-header__actions">
          <button type="button" class="button button--quiet" data-testid="new-chat" onClick={store.newChat}>
            New chat
          </button>
          <button
            type="button"
            class="button button--quiet"
            data-testid="history"
            aria-pressed={history}
            onClick={() => (history ? store.closeHistory() : void store.openHistory())}
          >
            History
          </button>
          <SettingsLink />
        </div>
      </div>
      <PageLine title={title} url={page?.url} />
    </header>
  );
}

function EmptyState() {
  const store = useChatStore();
  const model = store.modelStatus.value;
  if (store.tabId.value === null) {
    return (
      <div class="chat-empty">
        <p class="note">Open a web page, and ask about it here.</p>
      </div>
    );
  }
  return (
    <div class="chat-empty" data-testid="empty-chat">
      <h2 class="chat-empty__title">Ask anything about this page</h2>
      <p class="chat-empty__text">
        Type a question below. Or select text on the page, right-click it and choose Pagewise to ask about
        just that part.
      </p>
      {model?.availability === 'downloadable' && <FirstUseNote model={model} />}
      <p class="chat-empty__privacy">Runs on your device. Nothing you read leaves your computer.</p>
    </div>
  );
}

function Dock() {
  const store = useChatStore();
  const state = store.state.value;
  const error = store.error.value;
  const download = store.download.value;
  const unreadable = store.unreadable.value;
  const notice = store.notice.value;
  return (
    <div class="chat-dock bar">
      {unreadable && (
        <p class="note" data-testid="unreadable">
          {unreadable}
        </p>
      )}
      {store.otherPage.value && (
        <p class="note note--info" data-testid="other-page">
          This chat is about another page: “{store.conversation.value?.title}”. Start a new chat to ask about
          this one.
        </p>
      )}
      <StatusArea
        state={state}
        text={store.statusText.value}
        error={error}
        onRetry={() => void store.retry()}
        onPassword={(password) => void store.submitPassword(password)}
      />
      {state === 'loading' && (
        <ProgressBar
          value={store.progress.value}
          label="Model download"
          valueText={
            download ? `${formatMegabytes(download.loaded)} of ${formatMegabytes(download.total)}` : undefined
          }
        />
      )}
      {notice && (
        <p class="note" role="status" data-testid="notice">
          {notice}
        </p>
      )}
      <ChatComposer
        canSend={store.canSend.value}
        enabled={store.tabId.value !== null && unreadable === null && !store.otherPage.value}
        busy={store.busy.value}
        selection={store.pendingSelection.value}
        focusRequest={store.focusRequest.value}
        onSend={(question) => void store.send(question)}
        onStop={store.stop}
        onClearSelection={store.clearSelection}
      />
    </div>
  );
}

/** The side panel: a chat about the tab's page, and the saved chats. */
export function App() {
  const store = useChatStore();
  return (
    <div class="app chat">
      <Header />
      {store.screen.value === 'history' ? (
        <ChatHistory />
      ) : (
        <>
          <ChatLog empty={<EmptyState />} />
          <Dock />
        </>
      )}
    </div>
  );
}
