import { describe, expect, test, vi } from 'vitest';
import {
  type UnreadableCode,
  unreadableReason,
  unreadableReasonWithAccess,
} from '../../../src/text/restricted';

describe('unreadableReason', () => {
  test.each<[string | undefined, UnreadableCode | null]>([
    ['https://news.example/2026/urban-bees', null],
    ['http://localhost:8080/index.html', null],
    ['https://example.com/report.pdf.html', null],
    ['https://example.com/pdf', null],
    ['https://chrome.google.com/search', null],
    ['https://microsoftedge.microsoft.com/other', null],
    [undefined, 'no-url'],
    ['', 'no-url'],
    ['chrome://settings/privacy', 'browser-page'],
    ['chrome://newtab/', 'browser-page'],
    ['CHROME://extensions', 'browser-page'],
    ['chrome-search://local-ntp/local-ntp.html', 'browser-page'],
    ['chrome-untrusted://print/', 'browser-page'],
    ['edge://settings', 'browser-page'],
    ['brave://rewards', 'browser-page'],
    ['about:blank', 'browser-page'],
    ['about:preferences', 'browser-page'],
    ['about:reader?url=https://news.example/', 'browser-page'],
    ['chrome-extension://abcdefghijklmnopabcdefghijklmnop/options.html', 'browser-page'],
    ['moz-extension://4b1d8f2e-1111-2222-3333-444455556666/sidebar.html', 'browser-page'],
    ['devtools://devtools/bundled/devtools_app.html', 'browser-page'],
    ['view-source:https://news.example/', 'view-source'],
    ['https://chromewebstore.google.com/detail/some-extension/abcdefghijklmnop', 'web-store'],
    ['https://chrome.google.com/webstore/detail/abcdefghijklmnop', 'web-store'],
    ['https://addons.mozilla.org/en-US/firefox/addon/ublock-origin/', 'web-store'],
    ['https://microsoftedge.microsoft.com/addons/detail/abc', 'web-store'],
    // PDFs are read (issue 20); a PDF file needs file access like any file.
    ['https://example.com/papers/hive-health.pdf', null],
    ['https://example.com/papers/HIVE-HEALTH.PDF?download=1#page=3', null],
    ['chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/index.html', 'pdf'],
    ['file:///home/maria/notes/hives.pdf', 'file'],
    ['file:///home/maria/notes/hives.html', 'file'],
    ['file:///C:/Users/maria/hives.txt', 'file'],
    ['data:text/html,<h1>Hi</h1>', 'not-web'],
    ['javascript:void(0)', 'not-web'],
    ['blob:https://news.example/6f1c1d2e-0000-4000-8000-000000000000', 'not-web'],
    ['ftp://files.example/readme.txt', 'not-web'],
    ['not a url at all', 'not-web'],
  ])('%s -> %s', (url, code) => {
    expect(unreadableReason(url)?.code ?? null).toBe(code);
  });

  test.each([
    [
      'chrome://settings',
      /^Chrome doesn't let extensions read its own pages \(chrome:\/\/…\)\. Open a web page/,
    ],
    ['edge://settings', /^Edge doesn't let extensions read its own pages \(edge:\/\/…\)/],
    ['about:preferences', /^Your browser doesn't let extensions read its own pages \(about:…\)/],
    ['chrome://newtab/', /^This tab has no page to read yet\. Open a web page and try again\.$/],
    ['https://chromewebstore.google.com/', /^The Chrome Web Store doesn't let extensions read its pages\./],
    ['https://addons.mozilla.org/', /^Firefox Add-ons .* doesn't let extensions read its pages\./],
    ['file:///tmp/a.html', /Allow access to file URLs/],
    [
      'chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/index.html',
      /^Chrome shows this PDF at an address/,
    ],
    ['data:text/plain,hi', /^This tab isn't showing a web page \(data:…\)/],
    [undefined, /closed to extensions/],
  ])('explains %s and what to do', (url, message) => {
    expect(unreadableReason(url)?.message).toMatch(message);
  });

  test('every message says what to do next', () => {
    const urls = ['chrome://x', 'about:blank', 'chrome-extension://abc/x', 'view-source:https://a.example/'];
    for (const url of [
      ...urls,
      'https://chromewebstore.google.com/',
      'chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/index.html',
      'file:///x',
      'data:,x',
      undefined,
    ]) {
      expect(unreadableReason(url)?.message).toMatch(/(try again|instead|reload this tab)\.$/);
    }
  });
});

describe('unreadableReasonWithAccess', () => {
  const reason = (code: UnreadableCode, message: RegExp) => ({
    code,
    message: expect.stringMatching(message),
  });

  test.each([
    ['a file, with file access', 'file:///home/maria/hives.html', true, null],
    ['a file, without', 'file:///home/maria/hives.html', false, reason('file', /Allow access to file URLs/)],
    ['a PDF file, with file access', 'file:///home/maria/hives.pdf', true, null],
    [
      'a PDF file, without',
      'file:///home/maria/hives.pdf',
      false,
      reason('file', /Allow access to file URLs/),
    ],
    // The browser hides file URLs from an extension without file access: a hidden address may be one.
    [
      'a hidden address, without',
      undefined,
      false,
      reason('no-url', /chrome:\/\/.*Allow access to file URLs/),
    ],
    [
      'a hidden address, with file access',
      undefined,
      true,
      reason('no-url', /^(?!.*file URLs).*closed to extensions/),
    ],
  ])('%s', async (_, url, allowed, expected) => {
    await expect(unreadableReasonWithAccess(url, async () => allowed)).resolves.toEqual(expected);
  });

  test('web pages are judged without asking about file access', async () => {
    const isFileAccessAllowed = vi.fn(async () => false);
    await expect(
      unreadableReasonWithAccess('https://news.example/', isFileAccessAllowed),
    ).resolves.toBeNull();
    await expect(unreadableReasonWithAccess('chrome://settings', isFileAccessAllowed)).resolves.toMatchObject(
      {
        code: 'browser-page',
      },
    );
    expect(isFileAccessAllowed).not.toHaveBeenCalled();
  });

  test('every message still says what to do next', async () => {
    const reason = await unreadableReasonWithAccess(undefined, async () => false);
    expect(reason?.message).toMatch(/(try again|instead|reload this tab)\.$/);
  });
});
