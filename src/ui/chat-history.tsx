import { useEffect, useRef, useState } from 'preact/hooks';
import { t, uiLocale } from '../i18n';
import type { ConversationSummary } from '../protocol';
import { useChatStore } from './chat-context';
import { downloadFile } from './download';

const WHEN = new Intl.DateTimeFormat(uiLocale().lang, { dateStyle: 'medium', timeStyle: 'short' });

function HistoryItem({
  item,
  onOpen,
  onDelete,
}: {
  item: ConversationSummary;
  onOpen(): void;
  onDelete(): void;
}) {
  const title = item.title || item.url;
  return (
    <li class="history__item" data-testid="history-item">
      <button type="button" class="history__open" onClick={onOpen}>
        <span class="history__title">{title}</span>
        <span class="history__meta">
          <time dateTime={new Date(item.updatedAt).toISOString()}>{WHEN.format(item.updatedAt)}</time>
          {` · ${t('history_messages', item.messageCount)}`}
        </span>
        {item.preview && <span class="history__preview">{item.preview}</span>}
      </button>
      <button
        type="button"
        class="button button--quiet history__delete"
        data-testid="delete-chat"
        aria-label={t('history_delete_chat', title)}
        onClick={onDelete}
      >
        {t('common_delete')}
      </button>
    </li>
  );
}

/** The saved chats: open one, delete one, or clear them all (after a confirm step inside the panel). */
export function ChatHistory() {
  const store = useChatStore();
  const heading = useRef<HTMLHeadingElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const clearButton = useRef<HTMLButtonElement>(null);
  const [confirming, setConfirming] = useState(false);
  const items = store.history.value;
  const loading = store.historyLoading.value;
  const error = store.historyError.value;
  const count = items?.length ?? 0;

  // A new screen: the focus goes to its heading, so keyboard and screen-reader users start at the top.
  useEffect(() => heading.current?.focus(), []);
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  const cancel = () => {
    setConfirming(false);
    clearButton.current?.focus();
  };

  return (
    <section class="history" aria-labelledby="history-heading" data-testid="history-view">
      <div class="history__bar">
        <h2 id="history-heading" class="history__heading" tabIndex={-1} ref={heading}>
          {t('history_heading')}
        </h2>
        <button
          type="button"
          class="button button--quiet"
          data-testid="history-back"
          onClick={store.closeHistory}
        >
          {t('history_back')}
        </button>
      </div>
      {error && (
        <p class="note note--error" role="alert">
          {error}
        </p>
      )}
      {loading && items === null ? (
        <p class="note" aria-live="polite">
          {t('common_loading')}
        </p>
      ) : count === 0 ? (
        <p class="note" data-testid="history-empty">
          {t('history_empty')}
        </p>
      ) : (
        <ul class="history__list" aria-busy={loading}>
          {items?.map((item) => (
            <HistoryItem
              key={item.id}
              item={item}
              onOpen={() => void store.openConversation(item.id)}
              onDelete={() => void store.deleteConversation(item.id)}
            />
          ))}
        </ul>
      )}
      <div class="history__footer">
        {confirming ? (
          <fieldset class="confirm" aria-describedby="clear-question">
            <legend class="sr-only">{t('history_clear')}</legend>
            <p id="clear-question" class="confirm__question">
              {t('history_clear_question', count)}
            </p>
            <div class="confirm__actions">
              <button
                type="button"
                class="button button--danger"
                data-testid="clear-history-confirm"
                ref={confirmButton}
                onClick={async () => {
                  setConfirming(false);
                  await store.clearHistory();
                  heading.current?.focus();
                }}
              >
                {t('history_delete_all')}
              </button>
              <button type="button" class="button" data-testid="clear-history-cancel" onClick={cancel}>
                {t('common_cancel')}
              </button>
            </div>
          </fieldset>
        ) : (
          <button
            type="button"
            class="button"
            data-testid="clear-history"
            ref={clearButton}
            disabled={count === 0}
            onClick={() => setConfirming(true)}
          >
            {t('history_clear')}
          </button>
        )}
        {!confirming && (
          <button
            type="button"
            class="button"
            data-testid="export-all"
            disabled={count === 0}
            onClick={async () => {
              const file = await store.exportAll();
              if (file) downloadFile(file);
            }}
          >
            {t('history_export_all')}
          </button>
        )}
      </div>
    </section>
  );
}
