import { t } from '../../i18n';
import type { AnswerLanguage } from '../../model';
import { SUMMARY_LENGTHS, type SummaryLength } from '../../protocol';
import { LENGTH_NAMES } from '../length-picker';
import { useSettingsStore } from './settings-context';

/** The summary length the popup starts with, and the language answers are written in. */
export function DefaultsSection() {
  const store = useSettingsStore();
  const settings = store.settings.value;
  return (
    <section class="settings-section" aria-labelledby="defaults-heading">
      <h2 id="defaults-heading">{t('settings_defaults')}</h2>
      <p>
        <label>
          {t('settings_summary_length')}{' '}
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
                {t(LENGTH_NAMES[length])}
              </option>
            ))}
          </select>
        </label>
      </p>
      <p>
        <label>
          {t('settings_answer_language')}{' '}
          <select
            data-testid="answer-language"
            value={settings?.answerLanguage ?? 'page'}
            disabled={!settings}
            onChange={(event) =>
              void store.update({ answerLanguage: event.currentTarget.value as AnswerLanguage })
            }
          >
            <option value="page">{t('settings_language_page')}</option>
            <option value="browser">{t('settings_language_browser')}</option>
          </select>
        </label>
      </p>
    </section>
  );
}
