import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import type { Session } from '../../../src/engine/types';
import { english } from '../../../src/i18n';
import { type PageContent, PageContentSchema } from '../../../src/protocol';
import { summarizePage } from '../../../src/summarize/summarize-page';
import { extractPage } from '../../../src/text/extract';
import { load } from './dom';

/** jsdom has no layout: give the frame the box Chrome would (the window is 1024 x 768 in jsdom). */
function withFrameBox(html: string, width: number, height: number) {
  const win = load(html);
  const frame = win.document.querySelector('iframe') as HTMLIFrameElement;
  frame.getBoundingClientRect = () =>
    ({ width, height, top: 0, left: 0, right: width, bottom: height }) as DOMRect;
  return win;
}

const FRAMED =
  '<html><body><header><a href="/">Reader</a></header><iframe src="https://other.example/story"></iframe></body></html>';

describe('an article inside a frame', () => {
  test('a page with almost no text and a large frame is marked framed', () => {
    const page = extractPage(withFrameBox(FRAMED, 1000, 700).document);
    expect(page.framed).toBe(true);
    expect(v.is(PageContentSchema, page)).toBe(true);
  });

  test('a small frame (an ad, a video) is not', () => {
    expect(extractPage(withFrameBox(FRAMED, 300, 250).document).framed).toBe(false);
  });

  test('a page with its own article is not, whatever it embeds', () => {
    const article = `<p>${'The harbour reopened this spring after eleven years of works and debate. '.repeat(8)}</p>`;
    const html = FRAMED.replace('<iframe', `<main>${article}</main><iframe`);
    expect(extractPage(withFrameBox(html, 1000, 700).document).framed).toBe(false);
  });

  test('the protocol rejects a framed flag that is not a boolean', () => {
    const page = extractPage(withFrameBox(FRAMED, 1000, 700).document);
    expect(v.is(PageContentSchema, { ...page, framed: 'yes' })).toBe(false);
  });

  test('summarizing it says the article is in a frame, instead of summarizing the page chrome', async () => {
    const page: PageContent = { ...extractPage(withFrameBox(FRAMED, 1000, 700).document) };
    const session = {} as Session;
    await expect(
      summarizePage(session, page, 'brief', { signal: new AbortController().signal }),
    ).rejects.toMatchObject({
      code: 'empty-page',
      message: english('error_framed_page'),
    });
  });
});
