import { batch, type ReadonlySignal, signal } from '@preact/signals';
import { samePage } from '../page-url';
import type { ChatView } from '../protocol';
import type { ChatClient } from './chat-client';
import type { ChatRun } from './chat-run';
import type { ChatViewState } from './chat-view';

/** Binds the chat to a tab: follows the active tab, loads its page and conversation, hears right-click asks. */
export interface TabBinding {
  /** True when the panel follows the active tab (no `?tab=`). */
  readonly following: ReadonlySignal<boolean>;
  /**
   * Binds to a tab (a number) or to the active tab of the panel's window (null, followed as it changes),
   * loads its conversation, and picks up a right-click request waiting for it.
   */
  init(tab: number | null): Promise<void>;
  /** Stops listening to the browser. */
  dispose(): void;
}

export function createTabBinding(
  client: ChatClient,
  view: ChatViewState,
  run: ChatRun,
  /** Picks up a right-click request the worker may hold for the tab, once its conversation is on screen. */
  takePendingAsk: (tab: number) => Promise<void>,
): TabBinding {
  const { tabId, page } = view;
  const following = signal(false);
  // Each tab load gets a number; a view that arrives for an older one is dropped.
  let loads = 0;
  let loaded: Promise<void> = Promise.resolve();
  let unsubscribe: (() => void)[] = [];

  /** Shows the tab's page, or nothing (no tab, or it could not be loaded). */
  const showTab = (shown: ChatView | null) => {
    batch(() => {
      page.value = shown?.page ?? null;
      view.unreadable.value = shown?.unreadable ?? null;
      view.show(shown?.conversation ?? null);
    });
  };

  const loadTab = (tab: number | null): Promise<void> => {
    loaded = loadView(tab);
    return loaded;
  };

  const loadView = async (tab: number | null) => {
    const load = ++loads;
    batch(() => {
      tabId.value = tab;
      view.loading.value = tab !== null;
      run.reset();
      view.pendingSelection.value = null;
      if (tab === null) showTab(null);
    });
    if (tab === null) return;
    let shown: ChatView;
    try {
      shown = await client.getChat({ tabId: tab });
    } catch (thrown) {
      if (load !== loads) return;
      batch(() => {
        view.loading.value = false;
        showTab(null);
        view.loadFailed.value = true;
        run.stream.fail(thrown, () => loadTab(tabId.value));
      });
      return;
    }
    if (load !== loads) return;
    batch(() => {
      view.loading.value = false;
      showTab(shown);
    });
    // The panel was reloaded (or reopened) while the worker writes an answer here: follow it again.
    if (shown.answering) void run.attach(tab);
    await takePendingAsk(tab);
  };

  const dispose = () => {
    for (const off of unsubscribe) off();
    unsubscribe = [];
  };

  return {
    following,
    dispose,

    async init(tab) {
      dispose();
      following.value = tab === null;
      if (tab === null) {
        unsubscribe.push(
          client.onActiveTabChanged((id) => {
            if (id !== tabId.value) void loadTab(id);
          }),
        );
      }
      unsubscribe.push(
        client.onTabUpdated((id, change) => {
          if (id !== tabId.value) return;
          // A new address is a new page, with its own conversation; a new title is only a new title.
          if (change.url !== undefined && (!page.value || !samePage(change.url, page.value.url))) {
            void loadTab(id);
          } else if (change.title !== undefined && page.value) {
            page.value = { ...page.value, title: change.title };
          }
        }),
        client.onPendingAsk((id) => {
          // After the tab's conversation has loaded, so a preset continues the right one.
          void loaded.then(() => {
            if (id === tabId.value) return takePendingAsk(id);
          });
        }),
      );
      const target = tab ?? (await client.activeTabId().catch(() => null));
      await Promise.all([loadTab(target), run.refreshModelStatus()]);
    },
  };
}
