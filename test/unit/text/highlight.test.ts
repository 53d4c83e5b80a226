import { JSDOM } from 'jsdom';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { clearHighlight, HIGHLIGHT_MS, highlightText } from '../../../src/text/highlight';

function page(body: string) {
  const dom = new JSDOM(`<!doctype html><html><body>${body}</body></html>`);
  const scrolled = vi.fn();
  dom.window.Element.prototype.scrollIntoView = scrolled;
  return { document: dom.window.document, window: dom.window, scrolled };
}

describe('showing a source passage on the page', () => {
  test('finds a passage across inline markup, selects exactly it and scrolls to it', () => {
    const { document, window, scrolled } = page(
      '<h2>Tourism</h2><p>Today the <b>harbour</b> draws around\n   300,000 visitors a year.</p><p>Other text.</p>',
    );
    const html = document.body.innerHTML;
    expect(highlightText(document, 'Today the harbour draws around 300,000 visitors a year.')).toBe(true);
    expect(window.getSelection()?.toString()).toBe(
      'Today the harbour draws around\n   300,000 visitors a year.',
    );
    expect(scrolled).toHaveBeenCalledOnce();
    // The page's DOM is left as it was.
    expect(document.body.innerHTML).toBe(html);
  });

  test('reads the extractor’s Markdown markers as the page’s plain text, and marks the whole passage', () => {
    const { document, window } = page(
      '<h2>What comes next</h2><ul><li>Caps on holiday lets</li><li>A ferry again</li></ul><p>Later text.</p>',
    );
    expect(highlightText(document, '## What comes next\n\n- Caps on holiday lets\n\n- A ferry again')).toBe(
      true,
    );
    expect(window.getSelection()?.toString()).toBe('What comes nextCaps on holiday letsA ferry again');
  });

  test('a passage whose end is not on the page any more still marks its start', () => {
    const { document, window } = page('<h2>What comes next</h2><p>Caps on holiday lets.</p>');
    expect(highlightText(document, '## What comes next\n\nA paragraph the page no longer has.')).toBe(true);
    expect(window.getSelection()?.toString()).toBe('What comes next');
  });

  test.each([
    ['text that is not on the page', 'A sentence that never appeared anywhere.'],
    ['an empty passage', '   '],
    ['text only inside a script', 'secretToken = 42'],
  ])('returns false for %s', (_, passage) => {
    const { document, scrolled } = page('<p>Visible words.</p><script>var secretToken = 42;</script>');
    expect(highlightText(document, passage)).toBe(false);
    expect(scrolled).not.toHaveBeenCalled();
  });
});

/**
 * Chrome's CSS Custom Highlight API and constructable style sheets, which jsdom lacks: the registry a page's
 * scripts can read, and the document's adopted sheets.
 */
function withHighlightApi(body: string) {
  const { document, window } = page(body);
  const highlights = new Map<string, unknown>();
  Object.assign(window, {
    CSS: { highlights },
    Highlight: class {
      constructor(readonly range: Range) {}
    },
    CSSStyleSheet: class {
      rules = '';
      replaceSync(text: string) {
        this.rules = text;
      }
    },
  });
  const own = { rules: 'body { color: black }' };
  let adopted: unknown[] = [own];
  Object.defineProperty(document, 'adoptedStyleSheets', {
    get: () => adopted,
    set: (sheets: unknown[]) => {
      adopted = sheets;
    },
  });
  return { document, window, highlights, own, adopted: () => adopted };
}

describe('clearing a highlight leaves nothing a page can detect', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const PASSAGE = 'Today the harbour draws around 300,000 visitors a year.';
  const shown = () => {
    const page = withHighlightApi(`<p>${PASSAGE}</p><p>Elsewhere.</p>`);
    expect(highlightText(page.document, PASSAGE)).toBe(true);
    expect(page.highlights.size).toBe(1);
    expect(page.adopted()).toHaveLength(2);
    return page;
  };
  const isClear = (page: ReturnType<typeof shown>) => {
    expect(page.highlights.size).toBe(0);
    expect(page.adopted()).toEqual([page.own]);
  };

  test('when asked', () => {
    const page = shown();
    clearHighlight(page.document);
    isClear(page);
  });

  test('on the next click on the page', () => {
    const page = shown();
    page.document.body.dispatchEvent(new page.window.Event('pointerdown', { bubbles: true }));
    isClear(page);
  });

  test('after a while', () => {
    vi.useFakeTimers();
    const page = shown();
    vi.advanceTimersByTime(HIGHLIGHT_MS - 1);
    expect(page.highlights.size).toBe(1);
    vi.advanceTimersByTime(1);
    isClear(page);
  });

  test('showing another passage replaces the first, with one sheet, and one clear takes both away', () => {
    const page = shown();
    expect(highlightText(page.document, 'Elsewhere.')).toBe(true);
    expect(page.highlights.size).toBe(1);
    expect(page.adopted()).toHaveLength(2);
    clearHighlight(page.document);
    isClear(page);
  });

  test('a sheet the page adopted meanwhile stays', () => {
    const page = shown();
    const later = { rules: 'p { margin: 0 }' };
    page.document.adoptedStyleSheets = [...page.document.adoptedStyleSheets, later as never];
    clearHighlight(page.document);
    expect(page.adopted()).toEqual([page.own, later]);
  });
});
