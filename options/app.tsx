import { useEffect, useMemo } from 'preact/hooks';
import { t } from '../src/i18n';
import { Brand } from '../src/ui/page-header';
import { DefaultsSection } from '../src/ui/settings/defaults-section';
import { EngineSection } from '../src/ui/settings/engine-section';
import { ModelsSection } from '../src/ui/settings/models-section';
import { PrivacySection } from '../src/ui/settings/privacy-section';
import { ServerSection } from '../src/ui/settings/server-section';
import { createBrowserSettingsClient, type SettingsClient } from '../src/ui/settings/settings-client';
import { SettingsStoreContext } from '../src/ui/settings/settings-context';
import { createSettingsStore } from '../src/ui/settings/settings-store';
import { ShortcutSection } from '../src/ui/settings/shortcut-section';
import { StorageSection } from '../src/ui/settings/storage-section';

/** The settings page: one section per concern, each a component of `src/ui/settings/`. */
export function App({ client }: { client?: SettingsClient }) {
  const store = useMemo(() => createSettingsStore(client ?? createBrowserSettingsClient()), [client]);
  useEffect(() => {
    const stopping = store.init();
    return () => void stopping.then((stop) => stop());
  }, [store]);
  return (
    <SettingsStoreContext.Provider value={store}>
      <main class="settings">
        <header class="header bar">
          <Brand />
          <h1 class="settings__title">{t('settings_title')}</h1>
        </header>
        <EngineSection />
        <ServerSection />
        <ModelsSection />
        <StorageSection />
        <DefaultsSection />
        <ShortcutSection />
        <PrivacySection />
      </main>
    </SettingsStoreContext.Provider>
  );
}
