import { fakeBrowser } from '@webext-core/fake-browser';
import { describe, expect, test, vi } from 'vitest';
import { getTabReadability, readPage } from '../../../src/handlers/page-reader';
import { pageContent } from '../../support/article';

const page = pageContent('Hello.', { url: 'https://example.org/a', title: 'A' });

async function openTab(url: string): Promise<number> {
  const tab = await fakeBrowser.tabs.create({ url });
  return tab.id as number;
}

function answerWith(...answers: unknown[]) {
  const sendMessage = vi.fn();
  for (const answer of answers) {
    if (answer instanceof Error) sendMessage.mockRejectedValueOnce(answer);
    else sendMessage.mockResolvedValueOnce(answer);
  }
  vi.spyOn(fakeBrowser.tabs, 'sendMessage').mockImplementation(sendMessage);
  return sendMessage;
}

const noReceiver = () => new Error('Could not establish connection. Receiving end does not exist.');

describe('reading a tab’s page', () => {
  test('asks the top frame’s content script and returns its validated answer', async () => {
    const tabId = await openTab('https://example.org/a');
    const sendMessage = answerWith({ ok: true, value: page });
    await expect(readPage(tabId)).resolves.toEqual(page);
    expect(sendMessage).toHaveBeenCalledWith(tabId, expect.objectContaining({ name: 'extractPage' }), {
      frameId: 0,
    });
  });

  test.each([
    ['chrome://settings/', /Chrome|browser/i],
    ['https://chromewebstore.google.com/detail/x', /Web Store/i],
    ['view-source:https://example.org/', /source/i],
    ['chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/index.html', /PDF's own address/i],
  ])('refuses %s with a clear message, without asking the page', async (url, message) => {
    const tabId = await openTab(url);
    const sendMessage = answerWith({ ok: true, value: page });
    const error = await readPage(tabId).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unreadable-page' });
    expect((error as Error).message).toMatch(message);
    expect(sendMessage).not.toHaveBeenCalled();
  });

  test('a local file is read once the user allows file access, and explained until then', async () => {
    const tabId = await openTab('file:///home/ana/notes.html');
    const allowed = vi
      .spyOn(fakeBrowser.extension, 'isAllowedFileSchemeAccess')
      .mockResolvedValue(false as never);
    const sendMessage = answerWith({ ok: true, value: page }, { ok: true, value: page });
    const error = await readPage(tabId).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unreadable-page' });
    expect((error as Error).message).toMatch(/Allow access to file URLs/);
    expect(sendMessage).not.toHaveBeenCalled();

    allowed.mockResolvedValue(true as never);
    await expect(readPage(tabId)).resolves.toEqual(page);
  });

  test('a PDF tab gets the PDF reader injected, then its pages in batches, each with its number', async () => {
    const tabId = await openTab('https://example.org/paper.pdf');
    const placeholder = { ...page, url: 'https://example.org/paper.pdf', title: '', text: '', source: 'pdf' };
    const batch = (pages: { page: number; text: string }[], next: number | null) => ({
      ok: true,
      value: { pageCount: 3, pages, next },
    });
    const sendMessage = answerWith(
      { ok: true, value: placeholder },
      batch([{ page: 1, text: 'One.' }], 2),
      batch(
        [
          { page: 2, text: '' },
          { page: 3, text: 'Three.' },
        ],
        null,
      ),
    );
    const executeScript = vi
      .fn()
      .mockResolvedValueOnce([{ result: false }])
      .mockResolvedValueOnce([{}]);
    fakeBrowser.scripting.executeScript = executeScript as never;
    const progress: number[][] = [];
    const read = await readPage(tabId, {
      password: 'pw',
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(read).toMatchObject({
      source: 'pdf',
      title: 'paper.pdf',
      text: 'One.\n\nThree.',
      pages: [
        { page: 1, start: 0 },
        { page: 3, start: 6 },
      ],
    });
    expect(executeScript).toHaveBeenLastCalledWith({
      target: { tabId, frameIds: [0] },
      files: ['content/pdf.js'],
    });
    expect(sendMessage).toHaveBeenCalledWith(
      tabId,
      expect.objectContaining({
        name: 'readPdfPages',
        data: expect.objectContaining({ password: 'pw', from: 2 }),
      }),
      { frameId: 0 },
    );
    expect(progress).toEqual([
      [1, 3],
      [3, 3],
    ]);
  });

  test('a malformed answer from the page is rejected', async () => {
    const tabId = await openTab('https://example.org/a');
    answerWith({ ok: true, value: { ...page, text: 42 } });
    await expect(readPage(tabId)).rejects.toMatchObject({ code: 'invalid-message' });
  });

  test('a tab opened before the extension gets the content script injected, then answers', async () => {
    const tabId = await openTab('https://example.org/a');
    // The injected script starts listening a moment after it is injected: the first asks find no one.
    const sendMessage = answerWith(noReceiver(), noReceiver(), noReceiver(), { ok: true, value: page });
    const executeScript = vi.spyOn(fakeBrowser.scripting, 'executeScript').mockResolvedValue([] as never);
    vi.spyOn(fakeBrowser.runtime, 'getManifest').mockReturnValue({
      manifest_version: 3,
      name: 'x',
      version: '1',
      content_scripts: [{ matches: ['https://*/*'], js: ['assets/content.js'] }],
    });
    await expect(readPage(tabId)).resolves.toEqual(page);
    expect(executeScript).toHaveBeenCalledWith({ target: { tabId }, files: ['assets/content.js'] });
    expect(sendMessage).toHaveBeenCalledTimes(4);
  });

  test('an injected script that never starts listening ends in a message, not a wait', async () => {
    vi.useFakeTimers();
    try {
      const tabId = await openTab('https://example.org/a');
      vi.spyOn(fakeBrowser.tabs, 'sendMessage').mockRejectedValue(noReceiver());
      vi.spyOn(fakeBrowser.scripting, 'executeScript').mockResolvedValue([] as never);
      vi.spyOn(fakeBrowser.runtime, 'getManifest').mockReturnValue({
        manifest_version: 3,
        name: 'x',
        version: '1',
      });
      const reading = readPage(tabId).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(await reading).toMatchObject({ code: 'page-unreachable' });
    } finally {
      vi.useRealTimers();
    }
  });

  test('a page that can’t be reached says to reload it', async () => {
    const tabId = await openTab('https://example.org/a');
    answerWith(noReceiver());
    vi.spyOn(fakeBrowser.scripting, 'executeScript').mockRejectedValue(
      new Error('Cannot access contents of the page'),
    );
    vi.spyOn(fakeBrowser.runtime, 'getManifest').mockReturnValue({
      manifest_version: 3,
      name: 'x',
      version: '1',
    });
    const error = await readPage(tabId).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'page-unreachable' });
    expect((error as Error).message).toMatch(/reload/i);
  });
});

describe('telling whether a tab can be read', () => {
  test.each([
    ['a local file, with file access', 'file:///home/ana/notes.html', true, null],
    [
      'a local file, without file access',
      'file:///home/ana/notes.html',
      false,
      expect.stringMatching(/Allow access to file URLs/),
    ],
    ['a local PDF, with file access', 'file:///home/ana/report.pdf', true, null],
    ['a web page', 'https://example.org/a', false, null],
    ['a browser page', 'chrome://settings/', true, expect.stringMatching(/Chrome doesn't let extensions/)],
    // Without file access the browser hides a file tab's address: it may be a file.
    ['a hidden address', undefined, false, expect.stringMatching(/Allow access to file URLs/)],
  ])('%s', async (_, url, fileAccess, unreadable) => {
    const tabId = (await fakeBrowser.tabs.create({ url })).id as number;
    vi.spyOn(fakeBrowser.extension, 'isAllowedFileSchemeAccess').mockResolvedValue(fileAccess as never);
    const sendMessage = answerWith();
    await expect(getTabReadability(tabId)).resolves.toEqual({ unreadable });
    // Judged from the address alone: the page itself is not asked.
    expect(sendMessage).not.toHaveBeenCalled();
  });

  test('a closed tab is an error, not a readable page', async () => {
    await expect(getTabReadability(12345)).rejects.toThrow();
  });
});
