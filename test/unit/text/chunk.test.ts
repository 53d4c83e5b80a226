import { describe, expect, test, vi } from 'vitest';
import { type CountTokens, splitIntoChunks, truncateToTokens } from '../../../src/text/chunk';

const words: CountTokens = (s) => s.split(/\s+/).filter(Boolean).length;
const quarterChars: CountTokens = (s) => Math.ceil(s.length / 4);
/** Like a tokenizer that charges for line breaks separately. */
const wordsAndNewlines: CountTokens = (s) => (s.match(/\S+|\n/g) ?? []).length;
/** Grows faster than the sum of its parts, so packing estimates are always too low and must be corrected. */
const superadditive: CountTokens = (s) => {
  const n = words(s);
  return n + Math.floor((n * n) / 200);
};

const COUNTERS = { words, quarterChars, wordsAndNewlines, superadditive };

function paragraph(seed: number, sentences: number): string {
  return Array.from(
    { length: sentences },
    (_, i) =>
      `Sentence ${seed}.${i} explains ${'one more detail '.repeat((seed * 7 + i * 3) % 9)}about the hive.`,
  ).join(' ');
}

function article(sections: number): string {
  const blocks: string[] = ['# Keeping bees in the city'];
  for (let s = 0; s < sections; s++) {
    blocks.push(`## Section ${s}`);
    blocks.push(paragraph(s, 1 + (s % 4)));
    if (s % 3 === 0) blocks.push('- first point', '- second point', '- third point');
    blocks.push(paragraph(s + 100, 2 + (s % 3)));
  }
  return blocks.join('\n\n');
}

const TEXTS = {
  article: article(12),
  'one long paragraph': paragraph(1, 60),
  'a long block without sentence ends': Array.from({ length: 400 }, (_, i) => `token${i}`).join(' '),
  'a long word': 'x'.repeat(3_000),
  'code lines': Array.from({ length: 80 }, (_, i) => `  const value${i} = compute(${i});`).join('\n'),
  'Chinese prose': '城市养蜂越来越受欢迎。'.repeat(120),
  'messy spacing': `\n\n  ## Intro  \n\n\n First   block.\n \n\nSecond block.  \n\n`,
} satisfies Record<string, string>;

const BUDGETS = [5, 12, 40, 150];

const nonSpace = (s: string) => s.replace(/\s+/g, '');
const wordList = (s: string) => s.split(/\s+/).filter(Boolean);
const isHeading = (block: string) => /^#{1,6} /.test(block);
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const cases = Object.entries(TEXTS).flatMap(([name, text]) =>
  Object.entries(COUNTERS).flatMap(([counterName, count]) =>
    BUDGETS.map((budget) => ({ name, text, counterName, count, budget })),
  ),
);

describe('splitIntoChunks', () => {
  test.each(cases)('$name, $counterName, $budget tokens', ({ text, counterName, count, budget }) => {
    const chunks = splitIntoChunks(text, budget, count);

    let from = 0;
    for (const chunk of chunks) {
      expect(count(chunk)).toBeLessThanOrEqual(budget);
      expect(chunk).toBe(chunk.trim());
      expect(chunk).not.toBe('');
      expect(chunk).not.toMatch(LONE_SURROGATE);
      // Each chunk is the next piece of the text itself.
      const at = text.indexOf(chunk, from);
      expect(at).toBeGreaterThanOrEqual(from);
      expect(text.slice(from, at).trim()).toBe('');
      from = at + chunk.length;
    }
    expect(text.slice(from).trim()).toBe('');
    expect(nonSpace(chunks.join(''))).toBe(nonSpace(text));

    for (const chunk of chunks) {
      const blocks = chunk.split(/\n\s*\n/);
      // A heading opens a chunk unless what came before it in the chunk is at most half the budget. The rule
      // goes by the sum of block counts, which for the superadditive counter is far below the real count.
      blocks.forEach((block, i) => {
        if (i > 0 && isHeading(block) && counterName !== 'superadditive') {
          expect(count(blocks.slice(0, i).join('\n\n'))).toBeLessThanOrEqual(budget / 2);
        }
      });
      if (blocks.length > 1) expect(isHeading(blocks.at(-1) ?? '')).toBe(false);
    }
  });

  test.each(Object.entries(COUNTERS))(
    'keeps whole words unless a single word exceeds the budget (%s)',
    (_, count) => {
      const text = TEXTS.article;
      const chunks = splitIntoChunks(text, 12, count);
      expect(chunks.flatMap(wordList)).toEqual(wordList(text));
    },
  );

  test('packs small blocks together and keeps a short section with its heading', () => {
    const text = '## Bees\n\nThey fly.\n\n## Wasps\n\nThey sting.\n\n## Ants\n\nThey march in long lines.';
    expect(splitIntoChunks(text, 12, words)).toEqual([
      '## Bees\n\nThey fly.\n\n## Wasps\n\nThey sting.',
      '## Ants\n\nThey march in long lines.',
    ]);
  });

  test('moves a heading whose section does not fit to the next chunk', () => {
    const text = `## Small\n\nA short note.\n\n## Big\n\n${'Long words here. '.repeat(4).trim()}`;
    expect(splitIntoChunks(text, 16, words)).toEqual([
      '## Small\n\nA short note.',
      `## Big\n\n${'Long words here. '.repeat(4).trim()}`,
    ]);
  });

  test('starts a long block under its heading instead of leaving the heading alone', () => {
    const text = `## Findings\n\n${paragraph(2, 20)}`;
    const chunks = splitIntoChunks(text, 40, words);
    expect(chunks[0]).toMatch(/^## Findings\n\nSentence 2\.0 .*about the hive\.$/);
    expect(chunks.slice(1).every((chunk) => !chunk.includes('## '))).toBe(true);
  });

  test('splits an oversized block between sentences', () => {
    const text = paragraph(3, 30);
    const chunks = splitIntoChunks(text, 40, words);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk).toMatch(/^Sentence .*about the hive\.$/);
  });

  test('splits a block without sentence ends between words, filling each chunk', () => {
    const text = TEXTS['a long block without sentence ends'];
    const chunks = splitIntoChunks(text, 50, words);
    expect(chunks.map(words)).toEqual([50, 50, 50, 50, 50, 50, 50, 50]);
  });

  test('hard-splits a long word by characters', () => {
    const chunks = splitIntoChunks(TEXTS['a long word'], 100, quarterChars);
    expect(chunks.join('')).toBe(TEXTS['a long word']);
    for (const chunk of chunks) expect(quarterChars(chunk)).toBeLessThanOrEqual(100);
    expect(chunks.length).toBeLessThanOrEqual(9);
  });

  test('never cuts an emoji in half', () => {
    const text = '🐝'.repeat(500);
    const chunks = splitIntoChunks(text, 9, (s) => s.length);
    expect(chunks.join('')).toBe(text);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(9);
      expect(chunk).not.toMatch(LONE_SURROGATE);
    }
  });

  test('counts each block about once', () => {
    const text = article(200);
    const blocks = text.split('\n\n').length;
    const count = vi.fn(words);
    const chunks = splitIntoChunks(text, 300, count);
    // One count per block, one per packed chunk, two for the separators.
    expect(count.mock.calls.length).toBeLessThanOrEqual(blocks + chunks.length + 2);
  });

  test('gives no chunks for empty text', () => {
    expect(splitIntoChunks('', 10, words)).toEqual([]);
    expect(splitIntoChunks(' \n\n \n', 10, words)).toEqual([]);
  });

  test.each([0, -1, Number.NaN])('rejects a budget of %s', (budget) => {
    expect(() => splitIntoChunks('Some text.', budget, words)).toThrow(RangeError);
  });

  test('rejects a budget that cannot hold a single character', () => {
    expect(() => splitIntoChunks('abc', 2, (s) => s.length * 3)).toThrow(RangeError);
  });
});

describe('truncateToTokens', () => {
  test('returns text that fits unchanged', () => {
    expect(truncateToTokens('Short text.\n\nTwo blocks.', 10, words)).toBe('Short text.\n\nTwo blocks.');
  });

  test.each(Object.entries(COUNTERS))('keeps the start, cut after a block (%s)', (_, count) => {
    const text = TEXTS.article;
    const cut = truncateToTokens(text, 60, count);
    expect(count(cut)).toBeLessThanOrEqual(60);
    expect(text.startsWith(cut)).toBe(true);
    expect(text.slice(cut.length)).toMatch(/^\n\n/);
    expect(isHeading(cut.split('\n\n').at(-1) ?? '')).toBe(false);
  });

  test('cuts after a sentence when the first block is too long', () => {
    const text = `${paragraph(5, 20)}\n\nNext block.`;
    const cut = truncateToTokens(text, 30, words);
    expect(words(cut)).toBeLessThanOrEqual(30);
    expect(text.startsWith(cut)).toBe(true);
    expect(cut).toMatch(/about the hive\.$/);
  });

  test('keeps text under a first heading', () => {
    const text = `# Report\n\n${paragraph(4, 30)}`;
    const cut = truncateToTokens(text, 50, words);
    expect(cut).toMatch(/^# Report\n\nSentence 4\.0 .*about the hive\.$/);
    expect(words(cut)).toBeGreaterThan(25);
  });

  test('counts only the start of a long text', () => {
    const text = article(500);
    const count = vi.fn(words);
    truncateToTokens(text, 100, count);
    expect(count.mock.calls.length).toBeLessThan(40);
  });
});

test('splits sentences without Intl.Segmenter too', async () => {
  const segmenter = Intl.Segmenter;
  vi.resetModules();
  // Some runtimes (older Firefox) lack it; the module picks its splitter on first use.
  Object.defineProperty(Intl, 'Segmenter', { value: undefined, configurable: true, writable: true });
  try {
    const { splitIntoChunks: split } = await import('../../../src/text/chunk');
    const text = 'First one here. Second one? Third one! And the fourth one closes it.';
    expect(split(text, 6, words)).toEqual([
      'First one here. Second one?',
      'Third one!',
      'And the fourth one closes it.',
    ]);
  } finally {
    Object.defineProperty(Intl, 'Segmenter', { value: segmenter, configurable: true, writable: true });
  }
});
