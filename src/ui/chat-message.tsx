import type { ReadonlySignal } from '@preact/signals';
import { type MessageKey, t } from '../i18n';
import type { Source, StoredMessage } from '../protocol';
import { collapse } from '../text/blocks';
import { CopyButton } from './copy-button';
import { Markdown } from './markdown';

/**
 * The passage's text as one run, without its heading (shown above it). The button keeps all of it and CSS
 * shows the first lines: the words that made it relevant may sit anywhere, and stay findable.
 */
function excerptOf(source: Source): string {
  const text = collapse(source.text);
  const heading = source.heading ? collapse(source.heading) : '';
  return heading && text.startsWith(`${heading} `) ? text.slice(heading.length + 1) : text;
}

/** Props of {@link SourceList}. */
export interface SourceListProps {
  sources: readonly Source[];
  onShow(source: Source): void;
}

/**
 * The passages an answer drew on, each a button that shows it on the page. Passages are page text: they are
 * rendered as text, never as HTML.
 */
function SourceList({ sources, onShow }: SourceListProps) {
  if (sources.length === 0) return null;
  return (
    <div class="sources">
      <p class="sources__title">{t('chat_sources')}</p>
      <ul class="sources__list">
        {sources.map((source) => (
          <li key={source.index}>
            <button
              type="button"
              class="source"
              data-testid="source"
              data-page={source.page}
              title={source.page ? t('chat_open_pdf_page', source.page) : t('chat_show_source')}
              onClick={() => onShow(source)}
            >
              <span class="source__heading">
                {source.page !== undefined && (
                  <span class="source__page">{t('chat_pdf_page', source.page)}</span>
                )}
                {source.heading ?? t('chat_passage', source.index + 1)}
              </span>
              <span class="source__excerpt">{excerptOf(source)}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

const NOTES: Record<'stopped' | 'interrupted', MessageKey> = {
  stopped: 'status_answer_stopped',
  interrupted: 'chat_interrupted',
};

/** Props of {@link ChatMessage}. */
export interface ChatMessageProps {
  /** Who wrote it (not `role`, which would read as an ARIA role). */
  author: StoredMessage['role'];
  /** The question (plain text), or the answer's Markdown; a signal while the answer streams. */
  text: string | ReadonlySignal<string>;
  /** The selection a question was asked about (plain text). */
  selection?: string | null | undefined;
  sources?: readonly Source[] | undefined;
  status?: StoredMessage['status'] | undefined;
  /** True for the answer being written: no actions yet, and busy for assistive technology. */
  live?: boolean;
  onShowSource(source: Source): void;
  onCopy?: (() => Promise<boolean>) | undefined;
  /** Offered under the last answer only. */
  onRegenerate?: (() => void) | undefined;
  /** Called after the answer's Markdown is (re)drawn, to keep the conversation scrolled. */
  onRender?: (element: HTMLDivElement) => void;
  /** The page's links: the only ones an answer makes clickable. */
  links?: readonly string[] | undefined;
}

/** One message: the user's question as text, or an answer as sanitized Markdown with its sources. */
export function ChatMessage(props: ChatMessageProps) {
  const { author, text, selection, sources = [], status, live = false } = props;
  if (author === 'user') {
    return (
      <article
        class="message message--user"
        data-testid="chat-message"
        data-role="user"
        aria-label={t('chat_you_asked')}
      >
        {selection && <blockquote class="message__quote">{selection}</blockquote>}
        <p class="message__text" dir="auto">
          {typeof text === 'string' ? text : text.value}
        </p>
      </article>
    );
  }
  const note = status === 'stopped' || status === 'interrupted' ? t(NOTES[status]) : null;
  // The actions sit outside the message, so its text is the answer's alone, whichever buttons it has now.
  return (
    <div class="message-group">
      <article
        class="message message--assistant"
        data-testid="chat-message"
        data-role="assistant"
        data-status={live ? 'streaming' : (status ?? 'complete')}
        aria-label={t('chat_answer')}
        aria-busy={live}
      >
        <Markdown
          dir="auto"
          class="markdown message__answer"
          text={text}
          links={props.links}
          onRender={props.onRender}
        />
        <SourceList sources={sources} onShow={props.onShowSource} />
        {note && (
          <p class="message__note" data-testid="message-note">
            {note}
          </p>
        )}
      </article>
      {!live && (props.onCopy || props.onRegenerate) && (
        <div class="message__actions">
          {props.onCopy && <CopyButton onCopy={props.onCopy} label={t('chat_copy_answer')} />}
          {props.onRegenerate && (
            <button
              type="button"
              class="button button--quiet"
              data-testid="regenerate"
              onClick={props.onRegenerate}
            >
              {t('chat_regenerate')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
