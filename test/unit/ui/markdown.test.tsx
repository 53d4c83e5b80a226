// @vitest-environment jsdom
import { signal } from '@preact/signals';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, test } from 'vitest';
import { Markdown, pageLinks, renderMarkdown, sanitizeHtml } from '../../../src/ui/markdown';
import { useMountPoint } from './mount';

/** Renders model output into a detached element, as the popup would show it, with the page's links. */
function show(markdown: string, links: string[] = []): HTMLElement {
  const element = document.createElement('div');
  element.innerHTML = renderMarkdown(markdown, pageLinks(links));
  return element;
}

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

describe('hostile model output never becomes live', () => {
  test.each([
    ['a script tag', '<script>window.pwned = true</script>', 'script'],
    ['an inline script in a paragraph', 'Hello <script>window.pwned = true</script> there', 'script'],
    ['an image with onerror', '<img src=x onerror="window.pwned = true">', 'img'],
    ['a Markdown image', '![tracking pixel](https://tracker.example/p.gif)', 'img'],
    ['an iframe', '<iframe src="https://evil.example"></iframe>', 'iframe'],
    ['a style tag', '<style>body { display: none }</style>', 'style'],
    ['an svg with onload', '<svg onload="window.pwned = true"><circle r="4"/></svg>', 'svg'],
    ['a form', '<form action="https://evil.example"><input name="q"></form>', 'form'],
  ])('%s', (_, markdown, tag) => {
    const element = show(markdown);
    expect(element.querySelector(tag)).toBeNull();
    expect(element.querySelector('[onerror], [onload], [style], [src]')).toBeNull();
  });

  test('raw HTML shows as text, so the reader sees what the model wrote', () => {
    const element = show('<iframe src="https://evil.example"></iframe>');
    expect(element.textContent).toContain('<iframe src="https://evil.example"></iframe>');
  });

  test.each([
    '[click](javascript:alert(1))',
    '[click](JaVaScRiPt:alert(1))',
    '[click](  javascript:alert(1))',
    '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '[click](vbscript:msgbox(1))',
    '<a href="javascript:alert(1)">click</a>',
  ])('a link to %s has no href', (markdown) => {
    const element = show(markdown);
    expect(element.querySelectorAll('[href]')).toHaveLength(0);
  });
});

describe('the sanitizer, behind the escaping, holds on its own', () => {
  test.each([
    ['<script>window.pwned = true</script>', 'script'],
    ['<img src=x onerror="window.pwned = true">', 'img'],
    ['<iframe src="https://evil.example"></iframe>', 'iframe'],
    ['<svg><script>window.pwned = true</script></svg>', 'svg'],
    ['<form><button formaction="javascript:alert(1)">go</button></form>', 'form'],
    ['<p style="position:fixed">x</p>', '[style]'],
    ['<a href="javascript:alert(1)">x</a>', '[href]'],
    ['<p onclick="alert(1)">x</p>', '[onclick]'],
  ])('%s', (html, selector) => {
    const element = document.createElement('div');
    element.innerHTML = sanitizeHtml(html);
    expect(element.querySelector(selector)).toBeNull();
  });
});

describe('Markdown renders', () => {
  test('lists, bold, emphasis and code', () => {
    const element = show(
      'Intro with **bold**, *emphasis* and `code`.\n\n- one\n- two\n\n1. first\n2. second',
    );
    expect(element.querySelector('strong')?.textContent).toBe('bold');
    expect(element.querySelector('em')?.textContent).toBe('emphasis');
    expect(element.querySelector('code')?.textContent).toBe('code');
    expect([...element.querySelectorAll('ul > li')].map((li) => li.textContent)).toEqual(['one', 'two']);
    expect([...element.querySelectorAll('ol > li')].map((li) => li.textContent)).toEqual(['first', 'second']);
  });

  test('code blocks, headings, quotes and tables', () => {
    const element = show(
      '## Heading\n\n> quoted\n\n```js\nconst a = 1 < 2;\n```\n\n| a | b |\n| - | - |\n| 1 | 2 |',
    );
    expect(element.querySelector('h2')?.textContent).toBe('Heading');
    expect(element.querySelector('blockquote')?.textContent?.trim()).toBe('quoted');
    expect(element.querySelector('pre > code')?.textContent).toBe('const a = 1 < 2;\n');
    expect(element.querySelectorAll('table td')).toHaveLength(2);
    // Attributes not on the allow-list (the code block's language class) are dropped.
    expect(element.querySelector('[class]')).toBeNull();
  });

  test('links that are on the page open in a new tab without a referrer', () => {
    const element = show(
      '[site](https://example.org/a#part) and [mail](mailto:me@example.org) and <https://x.example>',
      ['https://example.org/a', 'mailto:me@example.org', 'https://x.example/'],
    );
    const links = [...element.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual([
      'https://example.org/a#part',
      'mailto:me@example.org',
      'https://x.example',
    ]);
    for (const link of links) {
      expect(link.getAttribute('target')).toBe('_blank');
      expect(link.getAttribute('rel')).toBe('noopener noreferrer');
    }
  });
});

describe('links that are not on the page', () => {
  const PAGE = ['https://example.org/harbour', 'https://example.org/ferry?day=monday'];

  test.each([
    [
      'another site',
      '[the source](https://evil.example/?q=harbour%20walls)',
      'the source (https://evil.example/?q=harbour%20walls)',
    ],
    [
      'the page link with another query',
      '[ferry](https://example.org/ferry?day=sunday)',
      'ferry (https://example.org/ferry?day=sunday)',
    ],
    ['a bare URL', 'See https://evil.example/?q=walls now.', 'See https://evil.example/?q=walls now.'],
    ['an autolink', '<https://evil.example/p>', 'https://evil.example/p'],
    ['a mail link', '[write](mailto:a@evil.example?body=walls)', 'write (mailto:a@evil.example?body=walls)'],
    ['a reference link', '[more][1]\n\n[1]: https://evil.example/?q=ref', '[1]: https://evil.example/?q=ref'],
  ])('%s shows as text with its URL', (_, markdown, text) => {
    const element = show(markdown, PAGE);
    expect(element.querySelector('a')).toBeNull();
    expect(element.textContent).toContain(text);
  });

  test('no link is clickable when the page has none', () => {
    const element = show('[home](https://example.org/harbour) and https://example.org/harbour');
    expect(element.querySelector('a')).toBeNull();
    expect(element.textContent).toBe('home (https://example.org/harbour) and https://example.org/harbour');
  });

  test('formatting inside a link that becomes text is kept', () => {
    const element = show('[**bold** label](https://evil.example/)', PAGE);
    expect(element.querySelector('a')).toBeNull();
    expect(element.querySelector('strong')?.textContent).toBe('bold');
    expect(element.textContent).toBe('bold label (https://evil.example/)');
  });
});

describe('<Markdown>', () => {
  const mount = useMountPoint();

  test('streams from a signal into its own element, once per frame', async () => {
    const text = signal('');
    let renders = 0;
    await act(() =>
      render(<Markdown data-testid="summary" text={text} onRender={() => renders++} />, mount.root),
    );
    await nextFrame();
    const element = mount.root.querySelector('[data-testid="summary"]');
    const before = renders;

    text.value = '- one';
    text.value += '\n- two';
    text.value += '\n- **three**';
    await nextFrame();
    expect(renders).toBe(before + 1);
    expect(element?.querySelectorAll('li')).toHaveLength(3);
    expect(element?.querySelector('strong')?.textContent).toBe('three');
    // The same element, updated in place.
    expect(mount.root.querySelector('[data-testid="summary"]')).toBe(element);
  });

  test('a parent re-render keeps the rendered content', async () => {
    const Parent = ({ label }: { label: string }) => (
      <section aria-label={label}>
        <Markdown text="Some **text**" />
      </section>
    );
    await act(() => render(<Parent label="a" />, mount.root));
    await nextFrame();
    expect(mount.root.querySelector('strong')?.textContent).toBe('text');
    await act(() => render(<Parent label="b" />, mount.root));
    await nextFrame();
    expect(mount.root.querySelector('strong')?.textContent).toBe('text');
  });

  test('renders a plain string and sanitizes it too', async () => {
    await act(() =>
      render(<Markdown text={'<img src=x onerror="window.pwned = true"> and *fine*'} />, mount.root),
    );
    await nextFrame();
    expect(mount.root.querySelector('img')).toBeNull();
    expect(mount.root.querySelector('em')?.textContent).toBe('fine');
  });
});
