import { fakeBrowser } from '@webext-core/fake-browser';
import { describe, expect, test, vi } from 'vitest';
import { type PendingAsk, protocolKeys } from '../../../src/protocol';
import { createChatWorkerClient } from '../../../src/ui/chat-client';

const ask = (tabId: number): PendingAsk => ({ tabId, selection: 'neap tide', preset: null, createdAt: 0 });

describe('the worker client’s browser events', () => {
  test('a pending ask written for a tab is reported once; taking it (removal) is not', async () => {
    const client = createChatWorkerClient();
    const heard = vi.fn();
    const off = client.onPendingAsk(heard);
    await fakeBrowser.storage.session.set({ [protocolKeys.pendingAsk(5)]: ask(5), unrelated: { tabId: 6 } });
    await fakeBrowser.storage.session.remove(protocolKeys.pendingAsk(5));
    expect(heard.mock.calls).toEqual([[5]]);

    off();
    await fakeBrowser.storage.session.set({ [protocolKeys.pendingAsk(5)]: ask(5) });
    expect(heard).toHaveBeenCalledTimes(1);
  });

  test('tab activation and address or title changes are reported; other updates are not', async () => {
    const client = createChatWorkerClient();
    const activated = vi.fn();
    const updated = vi.fn();
    client.onActiveTabChanged(activated);
    client.onTabUpdated(updated);
    await fakeBrowser.tabs.onActivated.trigger({ tabId: 3, windowId: 1 });
    const tab = await fakeBrowser.tabs.create({ url: 'https://a.example/' });
    const id = tab.id ?? -1;
    await fakeBrowser.tabs.onUpdated.trigger(id, { status: 'loading' }, tab);
    await fakeBrowser.tabs.onUpdated.trigger(id, { url: 'https://b.example/', status: 'loading' }, tab);
    await fakeBrowser.tabs.onUpdated.trigger(id, { title: 'B' }, tab);
    expect(activated.mock.calls).toEqual([[3]]);
    expect(updated.mock.calls).toEqual([
      [id, { url: 'https://b.example/' }],
      [id, { title: 'B' }],
    ]);
  });
});
