/** Props of {@link ProgressBar}. */
export interface ProgressBarProps {
  /** Fraction done (0..1); null when unknown, which shows an indeterminate bar. */
  value: number | null;
  /** What is progressing, for assistive technology. */
  label: string;
  /** Readable amount, such as "123 / 512 MB". */
  valueText?: string;
}

/** A thin progress bar. */
export function ProgressBar({ value, label, valueText }: ProgressBarProps) {
  const percent = value === null ? null : Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div
      class={`progress${percent === null ? ' progress--indeterminate' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent ?? undefined}
      aria-valuetext={valueText}
    >
      <div class="progress__fill" style={percent === null ? undefined : { width: `${percent}%` }} />
    </div>
  );
}
