import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { PageContentSchema } from '../../../src/protocol';
import { MAX_LINK_CHARS, MAX_PAGE_LINKS } from '../../../src/protocol/limits';
import { extractPage } from '../../../src/text/extract';
import { readLinks } from '../../../src/text/links';
import { load } from './dom';

const ARTICLE = `<!doctype html><html><head><title>The harbour</title></head><body>
<nav><a href="/">Home</a></nav>
<article>
  <h1>The harbour</h1>
  <p>The breakwater was built in 1962 (see <a href="/history#walls">its history</a>). The council writes
  at https://council.example/harbour. Questions go to <a href="mailto:port@example.org">the port</a>.</p>
  <p>The ferry runs on Mondays; <a href="javascript:alert(1)">click</a> or <a href="https://ferry.example/t?day=mon">the timetable</a>.
  The harbour draws 300,000 visitors a year, most of them in summer, and the walls are repaired every spring.</p>
  <p style="display:none"><a href="https://hidden.example/">hidden</a> https://hidden-text.example/</p>
</article></body></html>`;

describe('the links of a page', () => {
  test('are its anchors in what was read, resolved, and the URLs written in its text, without fragments', () => {
    const win = load(ARTICLE, 'https://news.example/harbour');
    const page = extractPage(win.document);
    expect(page.links).toEqual(
      expect.arrayContaining([
        'https://news.example/history',
        'mailto:port@example.org',
        'https://ferry.example/t?day=mon',
        'https://council.example/harbour',
      ]),
    );
    // Not links: a script URL; hidden from the reader: a hidden anchor and hidden text.
    expect(page.links?.join(' ')).not.toMatch(/javascript|hidden/);
    expect(v.safeParse(PageContentSchema, page).success).toBe(true);
  });

  test('are bounded in number and length, as the schema checks', () => {
    const body = document(
      Array.from(
        { length: MAX_PAGE_LINKS + 50 },
        (_, i) => `<a href="https://example.org/${i}">${i}</a>`,
      ).join(' '),
    );
    const long = `https://example.org/${'a'.repeat(MAX_LINK_CHARS)}`;
    const links = readLinks(body, `A very long one: ${long} and more.`, 'https://example.org/');
    expect(links).toHaveLength(MAX_PAGE_LINKS);
    expect(links).not.toContain(long);
    expect(v.safeParse(PageContentSchema.entries.links, links).success).toBe(true);
    expect(v.safeParse(PageContentSchema.entries.links, [...links, 'https://example.org/x']).success).toBe(
      false,
    );
    expect(v.safeParse(PageContentSchema.entries.links, [long]).success).toBe(false);
  });
});

function document(html: string): Element {
  return load(`<!doctype html><body>${html}</body>`).document.body;
}
