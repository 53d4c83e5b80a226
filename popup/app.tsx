import { useComputed } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { CopyButton } from '../src/ui/copy-button';
import { LengthPicker } from '../src/ui/length-picker';
import { Markdown } from '../src/ui/markdown';
import { formatMegabytes } from '../src/ui/model-status';
import { Brand, PageLine, SettingsLink } from '../src/ui/page-header';
import { ProgressBar } from '../src/ui/progress-bar';
import { FirstUseNote, StatusArea } from '../src/ui/status-line';
import { useSummaryStore } from '../src/ui/summary-context';
import type { SummaryStore } from '../src/ui/summary-store';

/** The tab the popup acts on, as the tab lookup found it (title and URL may be hidden from us). */
export interface TabInfo {
  id: number;
  title?: string;
  url?: string;
}

/** How close to the bottom (px) still counts as "reading along" while the summary streams. */
const PIN_SLACK = 24;

function progressOf(store: SummaryStore): { value: number | null; label: string; valueText?: string } {
  const part = store.part.value;
  if (store.state.value === 'loading') {
    const download = store.download.value;
    return {
      value: store.progress.value,
      label: 'Model download',
      valueText: download
        ? `${formatMegabytes(download.loaded)} of ${formatMegabytes(download.total)}`
        : undefined,
    };
  }
  const read = store.promptRead.value;
  const partRead = read && read.total > 0 ? read.done / read.total : 0;
  if (store.state.value === 'generating' && part) {
    return { value: (part.index - 1 + partRead) / part.count, label: 'Reading the page in parts' };
  }
  if (store.state.value === 'generating' && read) return { value: partRead, label: 'Reading the page' };
  return { value: null, label: 'Working' };
}

function Header({ tab, title }: { tab: TabInfo | null; title: string | undefined }) {
  return (
    <header class="header bar">
      <div class="header__top">
        <Brand />
        <SettingsLink />
      </div>
      <PageLine title={title} url={tab?.url} />
    </header>
  );
}

/** The popup: summarize the tab's page and read the summary as it is written. */
export function App({ tab }: { tab: TabInfo | null }) {
  const store = useSummaryStore();
  const scroller = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);

  useEffect(() => {
    if (tab) void store.init(tab.id);
  }, [store, tab?.id]);

  const state = store.state.value;
  const busy = store.busy.value;
  const error = store.error.value;
  const coverage = store.coverage.value;
  const modelStatus = store.modelStatus.value;
  // The worker judges what it can read (file access is the user's choice); until it answers, assume it can.
  const unreadable = store.unreadable.value;
  const readable = tab !== null && unreadable === null;
  // Through a computed, so the popup re-renders when text appears, not on every streamed token.
  const hasText = useComputed(() => store.text.value.length > 0).value;
  const progress = busy ? progressOf(store) : null;
  const title = tab?.title || store.result.value?.title;

  const onRender = (element: HTMLDivElement) => {
    const box = scroller.current;
    // Follow the text as it streams, unless the user scrolled up to read.
    if (box && busy && pinned.current && element.isConnected) box.scrollTop = box.scrollHeight;
  };
  const onScroll = () => {
    const box = scroller.current;
    if (box) pinned.current = box.scrollTop + box.clientHeight >= box.scrollHeight - PIN_SLACK;
  };

  return (
    <div class="app">
      <Header tab={tab} title={title} />
      <main class="main">
        <div class="controls">
          <LengthPicker
            value={store.length.value}
            onChange={(length) => void store.setLength(length)}
            disabled={busy}
          />
          <div class="actions">
            <button
              type="button"
              class="button button--primary"
              data-testid="summarize"
              disabled={busy || !readable}
              onClick={() => {
                pinned.current = true;
                void store.summarize();
              }}
            >
              {busy ? 'Summarizing…' : state === 'done' ? 'Summarize again' : 'Summarize'}
            </button>
            {busy && (
              <button type="button" class="button" data-testid="stop" onClick={() => store.stop()}>
                Stop
              </button>
            )}
          </div>
        </div>

        {!tab && <p class="note">Open a web page, then click Pagewise again.</p>}
        {tab && unreadable !== null && (
          <p class="note" data-testid="unreadable">
            {unreadable}
          </p>
        )}
        {readable && state === 'idle' && !hasText && modelStatus?.availability === 'downloadable' && (
          <FirstUseNote model={modelStatus} />
        )}

        <StatusArea
          state={state}
          text={store.statusText.value}
          error={error}
          onRetry={() => void store.retry()}
          onPassword={(password) => void store.summarize(password)}
        />
        {progress && <ProgressBar {...progress} />}

        {coverage !== null && coverage < 1 && (
          <p class="note" data-testid="coverage">
            Summary of the first {Math.max(1, Math.floor(coverage * 100))}% of this very long page.
          </p>
        )}
        <div class={`summary${hasText ? '' : ' summary--empty'}`} ref={scroller} onScroll={onScroll}>
          <Markdown
            class="markdown"
            data-testid="summary"
            aria-busy={busy}
            text={store.text}
            links={store.result.value?.links}
            onRender={onRender}
          />
        </div>
        {state === 'done' && hasText && (
          <div class="summary-actions">
            <CopyButton onCopy={() => store.copy()} />
          </div>
        )}
      </main>
      {tab && readable && (
        <button
          type="button"
          class="button button--quiet chat-link"
          data-testid="open-chat"
          onClick={() => {
            // The panel opens within this click; the popup then makes way for it.
            void store.openChat().then(() => window.close());
          }}
        >
          Ask questions about this page in the side panel
        </button>
      )}
      <footer class="footer">Runs on your device. Nothing you read leaves your computer.</footer>
    </div>
  );
}
