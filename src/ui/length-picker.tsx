import { type MessageKey, t } from '../i18n';
import { SUMMARY_LENGTHS, type SummaryLength } from '../protocol';

/** Each length's name in the catalogue (Settings names them the same way). */
export const LENGTH_NAMES: Record<SummaryLength, MessageKey> = {
  brief: 'length_brief',
  standard: 'length_standard',
  detailed: 'length_detailed',
};

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
      <legend class="sr-only">{t('popup_length_legend')}</legend>
      {SUMMARY_LENGTHS.map((length) => (
        <label key={length} class="segmented__option">
          <input
            type="radio"
            name="summary-length"
            value={length}
            checked={value === length}
            onChange={() => onChange(length)}
          />
          <span>{t(LENGTH_NAMES[length])}</span>
        </label>
      ))}
    </fieldset>
  );
}
