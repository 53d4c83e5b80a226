import { type MessageKey, t } from '../../i18n';
import { shortcutsPlace } from './settings-client';
import { useSettingsStore } from './settings-context';

/** Each command by what it does: Chrome names the popup's own `_execute_action` and gives it no description. */
const COMMAND_NAMES: Record<string, MessageKey> = {
  _execute_action: 'command_execute_action',
  'open-side-panel': 'command_open_side_panel',
};

/** The keyboard shortcuts, each named by what it does, and where the browser lets users change them. */
function commandName(command: { name: string; description: string }): string {
  const key = COMMAND_NAMES[command.name];
  return key ? t(key) : command.description || command.name;
}

export function ShortcutSection() {
  const store = useSettingsStore();
  return (
    <section class="settings-section" aria-labelledby="shortcut-heading">
      <h2 id="shortcut-heading">{t('settings_shortcuts')}</h2>
      <ul data-testid="shortcut">
        {store.shortcuts.value.map((command) => (
          <li key={command.name} data-command={command.name}>
            {commandName(command)}: <kbd>{command.shortcut || t('shortcut_not_set')}</kbd>
          </li>
        ))}
      </ul>
      <p class="settings-section__intro">
        {shortcutsPlace().where}{' '}
        <button type="button" class="button button--quiet" onClick={() => void store.openShortcutSettings()}>
          {t('shortcut_change')}
        </button>
      </p>
    </section>
  );
}
