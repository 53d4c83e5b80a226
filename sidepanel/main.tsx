import { render } from 'preact';
import { readTabParam } from '../src/ui/tab-param';
import '../src/ui/theme.css';
import './sidepanel.css';

/** Placeholder until the chat lands: same frame as the popup, and it already knows its tab. */
function SidePanel({ tabId }: { tabId: number | null }) {
  return (
    <div class="app" data-tab-id={tabId ?? undefined}>
      <header class="header">
        <div class="brand">
          <img class="brand__icon" src="/icons/icon-32.png" alt="" width={20} height={20} />
          <span class="brand__name">Pagewise</span>
        </div>
      </header>
      <main class="placeholder">
        <h1>Chat about this page</h1>
        <p>Coming soon: ask questions about the page you're reading.</p>
      </main>
      <footer class="footer">Runs on your device. Nothing you read leaves your computer.</footer>
    </div>
  );
}

const root = document.getElementById('app');
if (root) render(<SidePanel tabId={readTabParam(location.search)} />, root);
