import { describe, expect, test } from 'vitest';
import {
  type Passage,
  passagesContaining,
  plainText,
  searchableText,
  splitIntoPassages,
} from '../../../src/retrieval/passages';
import { PASSAGE_CHARS } from '../../../src/text/limits';
import { longArticleText } from '../../support/article';

const words = (text: string) => text.match(/[^\s#]+/g) ?? [];

function paragraph(seed: number, sentences: number): string {
  return Array.from(
    { length: sentences },
    (_, i) =>
      `Note ${seed}.${i} says the harbour changed ${'again '.repeat((seed + i) % 3)}in ${1900 + seed * 10 + i}.`,
  ).join(' ');
}

const TEXTS = {
  'the long article': longArticleText(12_000),
  'text before any heading': `${paragraph(1, 3)}\n\n## Later\n\n${paragraph(2, 30)}`,
  'one huge paragraph': paragraph(3, 80),
  'many short sections': Array.from({ length: 30 }, (_, i) => `### Part ${i}\n\n${paragraph(i, 1)}`).join(
    '\n\n',
  ),
  'a word longer than a passage': `## Data\n\n${'x'.repeat(2_000)} tail`,
  'CJK without spaces': `## 港口\n\n${'港口的渡轮明年恢复。'.repeat(200)}`,
};

describe('splitting a page into passages', () => {
  test.each(Object.entries(TEXTS))('%s: no word lost or repeated, in order, within the size', (_, text) => {
    const passages = splitIntoPassages(text);
    expect(passages.length).toBeGreaterThan(1);
    expect(passages.map((p) => p.index)).toEqual(passages.map((_, i) => i));
    for (const passage of passages) {
      expect(passage.text.length).toBeLessThanOrEqual(PASSAGE_CHARS);
      expect(passage.text).toBe(passage.text.trim());
      expect(text).toContain(passage.text);
    }
    // Joined back, the passages hold exactly the page's words (a word is only cut when longer than a passage).
    expect(words(passages.map((p) => p.text).join(' ')).join('')).toBe(words(text).join(''));
  });

  test('passages are mostly full: the page is not shredded into slivers', () => {
    const passages = splitIntoPassages(TEXTS['one huge paragraph']);
    const average = passages.reduce((sum, p) => sum + p.text.length, 0) / passages.length;
    expect(average).toBeGreaterThan(PASSAGE_CHARS * 0.7);
  });

  test('each passage carries the heading of the section it starts in, without #', () => {
    const text = [
      'An introduction before any heading.',
      '# The harbour',
      paragraph(1, 2),
      '## How it changed',
      paragraph(2, 20),
      '## The people who stayed',
      paragraph(3, 6),
    ].join('\n\n');
    const passages = splitIntoPassages(text, 300);
    // The first passage starts before any heading (and holds "The harbour" with its short text).
    expect(passages[0]?.heading).toBeNull();
    expect(passages[0]?.text).toContain('# The harbour');
    for (const passage of passages) {
      const start = text.indexOf(passage.text);
      const last = [...text.matchAll(/^#{1,6} (.+)$/gm)].filter((m) => m.index <= start).at(-1);
      expect(passage.heading).toBe(last?.[1] ?? null);
    }
    const headings = new Set(passages.map((p) => p.heading));
    expect(headings).toEqual(new Set([null, 'How it changed', 'The people who stayed']));
    // A section long enough to be cut keeps its heading on every piece.
    expect(passages.filter((p) => p.heading === 'How it changed').length).toBeGreaterThan(2);
  });

  test('a line starting with # inside a paragraph is not a heading', () => {
    const text = `## Real\n\nCode:\n# not a heading\nmore code\n\n${paragraph(1, 20)}`;
    const passages = splitIntoPassages(text, 200);
    expect(new Set(passages.map((p) => p.heading))).toEqual(new Set(['Real']));
  });

  test('an empty page has no passages', () => {
    expect(splitIntoPassages('')).toEqual([]);
    expect(splitIntoPassages('  \n\n ')).toEqual([]);
  });
});

describe('passage text for readers and for ranking', () => {
  const passage = (text: string, heading: string | null): Passage => ({ index: 0, text, heading });

  test('plain text drops heading markers only at line starts', () => {
    expect(plainText('## Title\n\nC# and #hashtags stay.')).toBe('Title\n\nC# and #hashtags stay.');
  });

  test('ranking text adds the section heading when the passage does not start with it', () => {
    expect(searchableText(passage('## Tourism\n\nVisitors came.', 'Tourism'))).toBe(
      'Tourism\n\nVisitors came.',
    );
    expect(searchableText(passage('More visitors came.', 'Tourism'))).toBe('Tourism\nMore visitors came.');
    expect(searchableText(passage('No section yet.', null))).toBe('No section yet.');
  });
});

describe('passages holding the selection', () => {
  const passages = splitIntoPassages(longArticleText(6_000));
  const texts = passages.map((p) => plainText(p.text));

  test('a phrase inside one passage marks the passages that contain it', () => {
    const phrase = 'sold more bread to the gulls';
    const expected = texts.flatMap((t, i) => (t.includes(phrase) ? [i] : []));
    expect(expected.length).toBeGreaterThan(0);
    expect([...passagesContaining(passages, phrase)]).toEqual(expected);
  });

  test('a selection across several passages marks each of them, despite different line breaks', () => {
    const unique = splitIntoPassages(
      Array.from({ length: 12 }, (_, i) => `## Part ${i}\n\n${paragraph(i, 4)}`).join('\n\n'),
    );
    const [a, b, c] = [2, 3, 4].map((i) => plainText(unique[i]?.text ?? '')) as [string, string, string];
    const selection = `${a.slice(-80)}\n${b}\n\n${c.slice(0, 60)}`.replace(/\n\n/g, '\n');
    expect([...passagesContaining(unique, selection)].sort((x, y) => x - y)).toEqual([2, 3, 4]);
  });

  test('case and spacing do not matter; an empty selection marks nothing', () => {
    expect(passagesContaining(passages, '  SOLD   MORE bread ').size).toBeGreaterThan(0);
    expect(passagesContaining(passages, '   ').size).toBe(0);
    expect(passagesContaining(passages, 'text that is nowhere on the page').size).toBe(0);
  });
});
