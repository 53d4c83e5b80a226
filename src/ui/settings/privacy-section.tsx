import { t } from '../../i18n';
/** A plain statement of what goes over the network (and what never does). */
export function PrivacySection() {
  return (
    <section class="settings-section" aria-labelledby="privacy-heading" data-testid="privacy">
      <h2 id="privacy-heading">{t('settings_privacy')}</h2>
      <p>
        <strong>{t('privacy_network_label')}</strong> {t('privacy_network_text')}
      </p>
      <p>
        <strong>{t('privacy_never_label')}</strong> {t('privacy_never_text')}
      </p>
    </section>
  );
}
