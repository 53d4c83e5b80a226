import { useComputed } from '@preact/signals';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { t } from '../src/i18n';
import { CopyButton } from '../src/ui/copy-button';
import { downloadFile } from '../src/ui/download';
import { LengthPicker } from '../src/ui/length-picker';
import { Markdown } from '../src/ui/markdown';
import { formatMegabytes } from '../src/ui/model-status';
import { Brand, PageLine, SettingsLink } from '../src/ui/page-header';
import { ProgressBar } from '../src/ui/progress-bar';
import { SentenceAnnouncer } from '../src/ui/sentence-announcer';
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
      label: t('progress_model_download'),
      valueText: download
        ? t('common_amount_of', formatMegabytes(download.loaded), formatMegabytes(download.total))
        : undefined,
    };
  }
  const read = store.promptRead.value;
  const partRead = read && read.total > 0 ? read.done / read.total : 0;
  if (store.state.value === 'generating' && part) {
    return { value: (part.index - 1 + partRead) / part.count, label: t('progress_reading_parts') };
  }
  if (store.state.value === 'generating' && read) return { value: partRead, label: t('progress_reading') };
  return { value: null, label: t('progress_working') };
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
  const scroller = useRef<HTMLElement>(null);
  const pinned = useRef(true);

  // Bound to the tab as the first render commits, not after paint: a click on Summarize before that
  // would find no tab and be lost (it was, in a loaded browser: useEffect waits for a frame).
  useLayoutEffect(() => {
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
              {busy
                ? t('popup_summarizing')
                : state === 'done'
                  ? t('popup_summarize_again')
                  : t('popup_summarize')}
            </button>
            {busy && (
              <button type="button" class="button" data-testid="stop" onClick={() => store.stop()}>
                {t('common_stop')}
              </button>
            )}
          </div>
        </div>

        {!tab && <p class="note">{t('popup_open_page')}</p>}
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
            {t('popup_coverage', Math.max(1, Math.floor(coverage * 100)))}
          </p>
        )}
        {/* A region that scrolls: by keyboard too, so it takes the focus once it has text. */}
        <section
          class={`summary${hasText ? '' : ' summary--empty'}`}
          ref={scroller}
          onScroll={onScroll}
          aria-label={t('export_heading_summary')}
          tabIndex={hasText ? 0 : -1}
        >
          <Markdown
            class="markdown"
            data-testid="summary"
            aria-busy={busy}
            text={store.text}
            links={store.result.value?.links}
            onRender={onRender}
          />
        </section>
        <SentenceAnnouncer text={store.text} streaming={busy} />
        {state === 'done' && hasText && (
          <div class="summary-actions">
            <CopyButton onCopy={() => store.copy(tab ?? {})} label={t('popup_copy_summary')} />
            <button
              type="button"
              class="button button--quiet"
              data-testid="export"
              title={t('popup_export_summary')}
              onClick={() => {
                const file = store.exportFile(tab ?? {});
                if (file) downloadFile(file);
              }}
            >
              {t('common_export')}
            </button>
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
          {t('popup_open_chat')}
        </button>
      )}
      <footer class="footer">{t('common_privacy_footer')}</footer>
    </div>
  );
}
