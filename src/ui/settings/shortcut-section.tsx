import { SHORTCUTS_PAGE } from './settings-client';
import { useSettingsStore } from './settings-context';

/** The keyboard shortcut, and where Chrome lets users change it. */
export function ShortcutSection() {
  const store = useSettingsStore();
  return (
    <section class="settings-section" aria-labelledby="shortcut-heading">
      <h2 id="shortcut-heading">Keyboard shortcut</h2>
      <ul data-testid="shortcut">
        {store.shortcuts.value.map((command) => (
          <li key={command.name}>
            {command.description || command.name}: <kbd>{command.shortcut || 'not set'}</kbd>
          </li>
        ))}
      </ul>
      <p class="settings-section__intro">
        Chrome keeps extension shortcuts on its own page, <code>{SHORTCUTS_PAGE}</code>.{' '}
        <button type="button" class="button button--quiet" onClick={() => void store.openShortcutSettings()}>
          Change it there
        </button>
      </p>
    </section>
  );
}
