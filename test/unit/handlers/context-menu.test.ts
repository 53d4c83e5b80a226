import { fakeBrowser } from '@webext-core/fake-browser';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { Tabs } from 'webextension-polyfill';
import { onContextMenuClicked, takePendingAsk } from '../../../src/handlers/context-menu';

const tab = { id: 7, url: 'https://example.org/a' } as Tabs.Tab;
const click = (menuItemId: string, selectionText = 'the breakwater') =>
  ({ menuItemId, selectionText, editable: false }) as Parameters<typeof onContextMenuClicked>[0];

let open: ReturnType<typeof vi.fn>;
beforeEach(() => {
  open = vi.fn(async () => {});
  vi.stubGlobal('chrome', { sidePanel: { open } });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('right-click on a selection', () => {
  test('opens the side panel within the click, before anything is awaited', () => {
    void onContextMenuClicked(click('ask-selection'), tab);
    expect(open).toHaveBeenCalledWith({ tabId: 7 });
  });

  test.each([
    ['ask-selection', null],
    ['ask-selection-explain', 'explain'],
    ['ask-selection-define', 'define'],
    ['ask-selection-translate', 'translate'],
    ['ask-selection-summarize', 'summarize'],
  ])('%s leaves a request for the panel with preset %s, taken once', async (id, preset) => {
    await onContextMenuClicked(click(id, '  the breakwater  '), tab);
    await expect(takePendingAsk(7)).resolves.toMatchObject({ tabId: 7, selection: 'the breakwater', preset });
    await expect(takePendingAsk(7)).resolves.toBeNull();
  });

  test('another extension’s or an unknown item does nothing', async () => {
    await onContextMenuClicked(click('something-else'), tab);
    expect(open).not.toHaveBeenCalled();
    await expect(takePendingAsk(7)).resolves.toBeNull();
  });

  test('a stale request is not picked up', async () => {
    await onContextMenuClicked(click('ask-selection'), tab);
    vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 10 * 60_000);
    await expect(takePendingAsk(7)).resolves.toBeNull();
  });

  test('the panel still opens even if the gesture was not accepted', async () => {
    open.mockRejectedValue(new Error('sidePanel.open() may only be called in response to a user gesture.'));
    await expect(onContextMenuClicked(click('ask-selection'), tab)).resolves.toBeUndefined();
    await expect(takePendingAsk(7)).resolves.toMatchObject({ selection: 'the breakwater' });
  });

  test.each([
    [true, { selection: 'the breakwater' }],
    [false, null],
  ])(
    'a selection in a file:// PDF, with file access %s, is asked about only with it',
    async (allowed, expected) => {
      vi.spyOn(fakeBrowser.extension, 'isAllowedFileSchemeAccess').mockResolvedValue(allowed as never);
      await onContextMenuClicked(click('ask-selection'), {
        id: 9,
        url: 'file:///home/ana/paper.pdf',
      } as Tabs.Tab);
      expect(open).toHaveBeenCalledWith({ tabId: 9 });
      const pending = await takePendingAsk(9);
      if (expected) expect(pending).toMatchObject(expected);
      else expect(pending).toBeNull();
    },
  );

  test('nothing is kept for a restricted page', async () => {
    await onContextMenuClicked(click('ask-selection'), {
      id: 8,
      url: 'https://chromewebstore.google.com/x',
    } as Tabs.Tab);
    await expect(takePendingAsk(8)).resolves.toBeNull();
  });
});
