import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import { MAX_QUESTION_CHARS } from '../protocol/limits';

/** Props of {@link ChatComposer}. */
export interface ChatComposerProps {
  /** Whether a question can be sent now (a page to ask about, no answer in progress). */
  canSend: boolean;
  /** Whether the box takes input at all (not on a page the assistant can't read). */
  enabled: boolean;
  /** True while an answer is written: Stop replaces nothing, it sits beside Send. */
  busy: boolean;
  /** The selection the next question is about, quoted above the box. */
  selection: string | null;
  /** Changes each time the box should take the focus. */
  focusRequest: number;
  onSend(question: string): void;
  onStop(): void;
  onClearSelection(): void;
}

/** The question box: Enter sends, Shift+Enter starts a new line; Stop while an answer is written. */
export function ChatComposer(props: ChatComposerProps) {
  const { canSend, enabled, busy, selection, focusRequest } = props;
  const [draft, setDraft] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);

  // Also when the box becomes usable: a disabled box can't take the focus it was asked to take.
  useEffect(() => {
    if (enabled) input.current?.focus();
  }, [focusRequest, enabled]);

  const submit = () => {
    // The box itself, not the last render's draft: a key can follow the typing before Preact re-renders.
    const question = (input.current?.value ?? draft).trim();
    if (!canSend || !question) return;
    props.onSend(question);
    setDraft('');
  };

  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      {selection && (
        <div class="composer__quote" data-testid="selection">
          <span class="sr-only">{t('chat_about_selection')}</span>
          <blockquote class="composer__quote-text">{selection}</blockquote>
          <button
            type="button"
            class="button button--quiet composer__quote-clear"
            aria-label={t('chat_remove_quote')}
            onClick={props.onClearSelection}
          >
            ×
          </button>
        </div>
      )}
      <label class="sr-only" for="chat-input">
        {selection ? t('chat_label_selection') : t('chat_label_page')}
      </label>
      <textarea
        id="chat-input"
        ref={input}
        class="composer__input"
        data-testid="chat-input"
        rows={2}
        maxLength={MAX_QUESTION_CHARS}
        placeholder={selection ? t('chat_placeholder_selection') : t('chat_placeholder_page')}
        aria-describedby="chat-input-hint"
        disabled={!enabled}
        value={draft}
        onInput={(event) => setDraft(event.currentTarget.value)}
        onKeyDown={(event) => {
          // Enter while an input method composes a word only confirms the word.
          if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
          event.preventDefault();
          submit();
        }}
      />
      <p id="chat-input-hint" class="sr-only">
        {t('chat_input_hint')}
      </p>
      <div class="composer__actions">
        {busy && (
          <button type="button" class="button" data-testid="stop" onClick={props.onStop}>
            {t('common_stop')}
          </button>
        )}
        <button
          type="submit"
          class="button button--primary"
          data-testid="chat-send"
          disabled={!canSend || !draft.trim()}
        >
          {t('chat_send')}
        </button>
      </div>
    </form>
  );
}
