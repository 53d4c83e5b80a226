import { t } from '../i18n';
/** The extension's name and icon, at the top of its pages. */
export function Brand() {
  return (
    <div class="brand">
      <img class="brand__icon" src="/icons/icon-32.png" alt="" width={20} height={20} />
      <span class="brand__name">{t('manifest_short_name')}</span>
    </div>
  );
}

function hostOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).host || null;
  } catch {
    return null;
  }
}

/** Which page the popup or panel is about: its title and host, as text (both come from the page). */
export function PageLine({ title, url }: { title: string | undefined; url: string | undefined }) {
  const host = hostOf(url);
  if (!title && !host) return null;
  return (
    <div class="page" title={title}>
      {title && (
        <span class="page__title" data-testid="page-title" dir="auto">
          {title}
        </span>
      )}
      {host && <span class="page__host">{host}</span>}
    </div>
  );
}

/** Opens the settings page in a tab of its own (an ordinary link: extension pages may open their own). */
export function SettingsLink() {
  return (
    <a
      class="button button--quiet settings-link"
      href="/options/index.html"
      target="_blank"
      rel="noopener"
      data-testid="open-settings"
    >
      {t('common_settings')}
    </a>
  );
}
