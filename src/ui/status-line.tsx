import type { SummaryState } from './summary-store';

const BUSY: ReadonlySet<SummaryState> = new Set(['loading', 'reading', 'generating']);

/** One line saying what is happening, announced politely to screen readers. */
export function StatusLine({ state, text }: { state: SummaryState; text: string }) {
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
