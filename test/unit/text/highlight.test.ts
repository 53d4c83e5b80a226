import { JSDOM } from 'jsdom';
import { describe, expect, test, vi } from 'vitest';
import { highlightText } from '../../../src/text/highlight';

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
