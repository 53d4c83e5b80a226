import { afterEach, describe, expect, test, vi } from 'vitest';
import { hasOffscreenDocuments, openSidePanel, shortcutSettings } from '../../src/browser-features';

// Each case stands in the global the browser would have: `chrome.sidePanel` (Chrome), `browser.sidebarAction`
// (Firefox), or neither.
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the side panel', () => {
  test("Chrome's side panel opens for the tab", async () => {
    const open = vi.fn().mockResolvedValue(undefined);
    vi.stubGlobal('chrome', { sidePanel: { open } });
    await openSidePanel(7);
    expect(open).toHaveBeenCalledWith({ tabId: 7 });
  });

  test("Firefox's sidebar opens at once, within the caller's input handler, and takes no tab id", () => {
    const open = vi.fn().mockResolvedValue(undefined);
    vi.stubGlobal('chrome', {});
    vi.stubGlobal('browser', { sidebarAction: { open } });
    void openSidePanel(7);
    // Called before anything is awaited: Firefox refuses it otherwise.
    expect(open).toHaveBeenCalledWith();
  });

  test('a refusal or no panel at all never rejects', async () => {
    vi.stubGlobal('chrome', {});
    vi.stubGlobal('browser', { sidebarAction: { open: vi.fn().mockRejectedValue(new Error('no gesture')) } });
    await expect(openSidePanel(1)).resolves.toBeUndefined();
    vi.stubGlobal('browser', {});
    await expect(openSidePanel(1)).resolves.toBeUndefined();
  });
});

test.each([
  ['Chrome', { offscreen: { createDocument: () => {} } }, true],
  ['Firefox', {}, false],
])('offscreen documents (and so WASM threads) in %s: %s', (_, chromeGlobal, expected) => {
  vi.stubGlobal('chrome', chromeGlobal);
  expect(hasOffscreenDocuments()).toBe(expected);
});

describe('where shortcuts are changed', () => {
  test('Chrome: its shortcuts page, opened as a tab', async () => {
    vi.stubGlobal('browser', { commands: {} });
    const openTab = vi.fn().mockResolvedValue({});
    const place = shortcutSettings(openTab);
    expect(place.where).toContain('chrome://extensions/shortcuts');
    await place.open();
    expect(openTab).toHaveBeenCalledWith('chrome://extensions/shortcuts');
  });

  test('Firefox: its add-ons manager, through commands.openShortcutSettings (no chrome:// tab)', async () => {
    const openShortcutSettings = vi.fn().mockResolvedValue(undefined);
    vi.stubGlobal('browser', { commands: { openShortcutSettings } });
    const openTab = vi.fn();
    const place = shortcutSettings(openTab);
    expect(place.where).toContain('about:addons');
    await place.open();
    expect(openShortcutSettings).toHaveBeenCalled();
    expect(openTab).not.toHaveBeenCalled();
  });
});
