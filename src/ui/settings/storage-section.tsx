import { t } from '../../i18n';
import { formatMegabytes } from '../model-status';
import { useSettingsStore } from './settings-context';

/** What the extension's storage holds and what room is left (`navigator.storage.estimate()`). */
export function StorageSection() {
  const { storage } = useSettingsStore();
  const estimate = storage.value;
  return (
    <section class="settings-section" aria-labelledby="storage-heading">
      <h2 id="storage-heading">{t('settings_storage')}</h2>
      <p
        data-testid="storage-used"
        data-used-bytes={estimate ? String(estimate.usage) : undefined}
        data-free-bytes={estimate ? String(Math.max(0, estimate.quota - estimate.usage)) : undefined}
      >
        {estimate
          ? t(
              'storage_used_free',
              formatMegabytes(estimate.usage),
              formatMegabytes(Math.max(0, estimate.quota - estimate.usage)),
            )
          : t('storage_measuring')}
      </p>
    </section>
  );
}
