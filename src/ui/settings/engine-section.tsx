import { useEffect, useMemo } from 'preact/hooks';
import { type MessageKey, t, tierName } from '../../i18n';
import { type EnginePreference, isTierId } from '../../model';
import {
  createEngineSettingsClient,
  createEngineSettingsStore,
  type EngineSettingsStore,
} from './engine-store';

const STATE_LABELS: Record<'available' | 'downloadable' | 'unavailable', MessageKey> = {
  available: 'tier_available',
  downloadable: 'tier_downloadable',
  unavailable: 'tier_unavailable',
};

/** Chrome's model is never downloaded unasked: this button is the asking. */
function BuiltinDownload({ store }: { store: EngineSettingsStore }) {
  const fraction = store.builtinDownload.value;
  if (fraction !== null) {
    return (
      <p class="tier__download" role="status">
        {t('settings_builtin_downloading', Math.floor(fraction * 100))}
      </p>
    );
  }
  return (
    <button
      type="button"
      class="button"
      data-testid="download-builtin"
      onClick={() => void store.downloadBuiltin()}
    >
      {t('settings_builtin_download')}
    </button>
  );
}

/** Which engine runs the model: every tier with its state and reason, and the picker. */
export function EngineSection({ store: given }: { store?: EngineSettingsStore }) {
  const store = useMemo(() => given ?? createEngineSettingsStore(createEngineSettingsClient()), [given]);
  useEffect(() => store.init(), [store]);
  const tiers = store.tiers.value;

  const onChange = (event: Event) => {
    const value = (event.currentTarget as HTMLSelectElement).value;
    if (value === 'auto' || isTierId(value)) void store.choose(value as EnginePreference);
  };

  return (
    <section class="settings-section" aria-labelledby="engine-heading">
      <h2 id="engine-heading">{t('settings_engine')}</h2>
      <p class="settings-section__intro">{t('settings_engine_intro')}</p>
      {store.error.value && (
        <p class="note note--error" role="alert">
          {store.error.value}
        </p>
      )}
      {tiers && (
        <>
          <label class="settings-field">
            <span>{t('settings_engine')}</span>
            <select data-testid="engine-select" value={tiers.preference} onChange={onChange}>
              <option value="auto">{t('settings_engine_auto', tierName(tiers.chosen))}</option>
              {tiers.reports.map((report) => (
                <option
                  key={report.tier}
                  value={report.tier}
                  disabled={report.state === 'unavailable' && !report.forcible}
                >
                  {tierName(report.tier)}
                </option>
              ))}
            </select>
          </label>
          <ul class="tier-list">
            {tiers.reports.map((report) => (
              <li
                key={report.tier}
                class={`tier tier--${report.state}`}
                data-testid="engine-tier"
                data-tier={report.tier}
                data-state={report.state}
                aria-current={report.tier === tiers.chosen ? 'true' : undefined}
              >
                <div class="tier__head">
                  <span class="tier__name">{tierName(report.tier)}</span>
                  <span class="tier__state">{t(STATE_LABELS[report.state])}</span>
                  {report.tier === tiers.chosen && <span class="tier__used">{t('common_in_use')}</span>}
                </div>
                <p class="tier__reason">{report.reason}</p>
                {report.tier === 'chrome-builtin' && report.state === 'downloadable' && (
                  <BuiltinDownload store={store} />
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
