import { Brand } from '../src/ui/page-header';
import { EngineSection } from '../src/ui/settings/engine-section';

/** The settings page: one section per concern, each a component of `src/ui/settings/`. */
export function App() {
  return (
    <main class="settings">
      <header class="header bar">
        <Brand />
        <h1 class="settings__title">Settings</h1>
      </header>
      <EngineSection />
    </main>
  );
}
