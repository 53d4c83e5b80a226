import { SUMMARY_LENGTHS, type SummaryLength } from '../protocol';

const LABELS: Record<SummaryLength, string> = { brief: 'Brief', standard: 'Standard', detailed: 'Detailed' };

/** Props of {@link LengthPicker}. */
export interface LengthPickerProps {
  value: SummaryLength;
  onChange(length: SummaryLength): void;
  disabled?: boolean;
}

/** A segmented choice of summary length; radio buttons underneath, so arrow keys and screen readers work. */
export function LengthPicker({ value, onChange, disabled = false }: LengthPickerProps) {
  return (
    <fieldset class="segmented" disabled={disabled} data-testid="length">
      <legend class="sr-only">Summary length</legend>
      {SUMMARY_LENGTHS.map((length) => (
        <label key={length} class="segmented__option">
          <input
            type="radio"
            name="summary-length"
            value={length}
            checked={value === length}
            onChange={() => onChange(length)}
          />
          <span>{LABELS[length]}</span>
        </label>
      ))}
    </fieldset>
  );
}
