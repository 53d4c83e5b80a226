import type { ModelStatus } from '../protocol';
import { formatMegabytes, type UiError } from './model-status';
import { needsPassword, PdfPasswordForm } from './pdf-password';
import type { RunState } from './stream-run';

const BUSY: ReadonlySet<RunState> = new Set(['loading', 'reading', 'generating']);

/** One line saying what is happening, announced politely to screen readers. */
function StatusLine({ state, text }: { state: RunState; text: string }) {
  return (
    <p
      class={`status status--${state}`}
      data-testid="status"
      data-state={state}
      role="status"
      aria-live="polite"
    >
      {BUSY.has(state) && <span class="spinner" aria-hidden="true" />}
      <span class="status__text">{text}</span>
    </p>
  );
}

/**
 * The status line, boxed with a Retry button when it reports an error that trying again may fix, or with a
 * password field when a PDF needs one.
 */
export function StatusArea(props: {
  state: RunState;
  text: string;
  error: UiError | null;
  onRetry(): void;
  onPassword(password: string): void;
}) {
  const { state, text, error } = props;
  if (state !== 'error') return <StatusLine state={state} text={text} />;
  return (
    <div class="error-box" data-testid="error" data-code={error?.code}>
      <StatusLine state={state} text={text} />
      {needsPassword(error) && <PdfPasswordForm onSubmit={props.onPassword} />}
      {error?.retryable && (
        <button type="button" class="button" data-testid="retry" onClick={props.onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** Before the first use: what will be downloaded, once. */
export function FirstUseNote({ model }: { model: ModelStatus }) {
  return (
    <p class="note note--info" data-testid="first-use">
      First use downloads {model.modelName} ({formatMegabytes(model.downloadBytes)}) once; after that it works
      offline.
    </p>
  );
}
