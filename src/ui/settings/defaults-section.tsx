import type { AnswerLanguage } from '../../model';
import { SUMMARY_LENGTHS, type SummaryLength } from '../../protocol';
import { useSettingsStore } from './settings-context';

const LENGTH_NAMES: Record<SummaryLength, string> = {
  brief: 'Brief',
  standard: 'Standard',
  detailed: 'Detailed',
};

/** The summary length the popup starts with, and the language answers are written in. */
export function DefaultsSection() {
  const store = useSettingsStore();
  const settings = store.settings.value;
  return (
    <section class="settings-section" aria-labelledby="defaults-heading">
      <h2 id="defaults-heading">Defaults</h2>
      <p>
        <label>
          Summary length{' '}
          <select
            data-testid="default-length"
            value={settings?.summaryLength ?? 'standard'}
            disabled={!settings}
            onChange={(event) =>
              void store.update({ summaryLength: event.currentTarget.value as SummaryLength })
            }
          >
            {SUMMARY_LENGTHS.map((length) => (
              <option key={length} value={length}>
                {LENGTH_NAMES[length]}
              </option>
            ))}
          </select>
        </label>
      </p>
      <p>
        <label>
          Write summaries and answers in{' '}
          <select
            data-testid="answer-language"
            value={settings?.answerLanguage ?? 'page'}
            disabled={!settings}
            onChange={(event) =>
              void store.update({ answerLanguage: event.currentTarget.value as AnswerLanguage })
            }
          >
            <option value="page">the language of the page (or of the question)</option>
            <option value="browser">my browser’s language</option>
          </select>
        </label>
      </p>
    </section>
  );
}
