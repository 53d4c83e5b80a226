import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { splitIntoPassages } from '../../../src/retrieval/passages';
import { blocksToText, cutAtCodePoint, cutAtWord } from '../../../src/text/blocks';
import { type CountTokens, splitIntoChunks, truncateToTokens } from '../../../src/text/chunk';
import { MAX_SELECTION_CONTEXT_CHARS } from '../../../src/text/limits';
import { extractSelection } from '../../../src/text/selection';
import { tally } from '../../support/malformed-messages';
import { hasLoneSurrogate } from '../support/unicode';
import { load } from './dom';

// Every helper that cuts text to a limit: the result stays within the limit and never holds half of a
// surrogate pair (an emoji or a rare CJK character cut in two shows as U+FFFD to the model and the user).

const word = fc.oneof(
  fc.constantFrom(
    'שלום',
    'مرحبا',
    'עולם',
    '中文',
    '摘要',
    '日本語',
    '𠮷野家',
    '👋🏽',
    '🇸🇪',
    '👨‍👩‍👧',
    'bees',
    'honey.',
    'é',
  ),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
);
const sentence = fc.array(word, { minLength: 1, maxLength: 12 }).map((words) => words.join(' '));
const block = fc.oneof(
  sentence,
  sentence.map((s) => `## ${s}`),
  fc.array(sentence, { minLength: 1, maxLength: 5 }).map((s) => s.join('. ')),
  // One long word: forces the cut inside a word.
  fc.array(fc.constantFrom('👋', '中', 'a', '𠮷'), { minLength: 10, maxLength: 200 }).map((c) => c.join('')),
);
/** Block-structured page text as `extractPage` writes it. Generated with well-formed characters only. */
const pageText = fc
  .array(block, { maxLength: 20 })
  .map((blocks) => blocks.join('\n\n'))
  .filter((text) => !hasLoneSurrogate(text));

const utf8 = new TextEncoder();
const COUNTERS: Record<string, CountTokens> = {
  'UTF-16 units': (s) => s.length,
  'UTF-8 bytes / 4': (s) => Math.ceil(utf8.encode(s).length / 4),
};
const RUNS = { numRuns: 300 };

describe('cutAtWord and cutAtCodePoint', () => {
  test.each([
    ['cutAtWord', cutAtWord],
    ['cutAtCodePoint', cutAtCodePoint],
  ])('%s: a prefix within the limit, no lone surrogate', (_, cut) => {
    fc.assert(
      fc.property(pageText, fc.integer({ min: 1, max: 400 }), (text, max) => {
        const out = cut(text, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(text.startsWith(out)).toBe(true);
        expect(hasLoneSurrogate(out)).toBe(false);
      }),
      RUNS,
    );
  });
});

describe.each(Object.entries(COUNTERS))('token cuts, counting %s', (_, count) => {
  // A surrogate pair is 2 units: a budget of 1 unit cannot hold an emoji at all.
  const budget = fc.integer({ min: 2, max: 120 });

  test('truncateToTokens: within the budget, a piece of the text, no lone surrogate', () => {
    fc.assert(
      fc.property(pageText, budget, (text, max) => {
        const out = truncateToTokens(text, max, count);
        expect(count(out)).toBeLessThanOrEqual(max);
        expect(text.includes(out)).toBe(true);
        expect(hasLoneSurrogate(out)).toBe(false);
      }),
      RUNS,
    );
  });

  test('splitIntoChunks: every chunk within the budget, no lone surrogate, all words kept in order', () => {
    fc.assert(
      fc.property(pageText, budget, (text, max) => {
        const chunks = splitIntoChunks(text, max, count);
        for (const chunk of chunks) {
          expect(count(chunk)).toBeLessThanOrEqual(max);
          expect(hasLoneSurrogate(chunk)).toBe(false);
        }
        expect(chunks.join('').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
      }),
      RUNS,
    );
  });
});

test('splitIntoPassages: every passage within its size, no lone surrogate', () => {
  fc.assert(
    fc.property(pageText, fc.integer({ min: 2, max: 300 }), (text, max) => {
      for (const passage of splitIntoPassages(text, max)) {
        expect(passage.text.length).toBeLessThanOrEqual(max);
        expect(hasLoneSurrogate(passage.text)).toBe(false);
        expect(passage.heading === null || !hasLoneSurrogate(passage.heading)).toBe(true);
      }
    }),
    RUNS,
  );
});

test('blocksToText: within its limit, no lone surrogate', () => {
  const win = load('<html><body></body></html>');
  fc.assert(
    fc.property(pageText, fc.integer({ min: 1, max: 500 }), (text, max) => {
      const root = win.document.createElement('main');
      for (const paragraph of text.split('\n\n')) {
        const p = win.document.createElement('p');
        p.textContent = paragraph;
        root.append(p);
      }
      const out = blocksToText(root, max);
      expect(out.text.length).toBeLessThanOrEqual(max);
      expect(hasLoneSurrogate(out.text)).toBe(false);
    }),
    RUNS,
  );
});

test('the selection and its context: within their limits, no lone surrogate', () => {
  const cjk = (minLength: number, maxLength: number) =>
    fc.array(fc.constantFrom('中', '文', '𠮷', '👋', '。'), { minLength, maxLength }).map((c) => c.join(''));
  // Long enough that the context around the selection must be cut; CJK runs without spaces.
  const longText = fc
    .oneof(
      fc.array(block, { minLength: 30, maxLength: 60 }).map((blocks) => blocks.join(' ')),
      cjk(2_001, 2_200),
    )
    .filter((text) => !hasLoneSurrogate(text) && text.length > MAX_SELECTION_CONTEXT_CHARS);
  // Anywhere in the text: a selection near either end is cut on the other side only.
  const anywhere = fc
    .tuple(longText, fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 300 }))
    .map(([text, at, length]) => {
      let start = Math.floor(at * (text.length - 1));
      // A selection starts and ends between characters, as in a browser.
      if (isLowSurrogate(text, start)) start--;
      let end = Math.min(text.length, start + length);
      if (isLowSurrogate(text, end)) end++;
      return { text, start, end };
    });
  // In the middle, with more text on each side than the context holds: cut on both sides. The selection
  // is marked, since the context is centred on its first occurrence, which a common word would put early.
  const side = fc.oneof(
    fc.array(block, { minLength: 20, maxLength: 40 }).map((blocks) => blocks.join(' ')),
    cjk(1_100, 1_300),
  );
  const middle = fc
    .tuple(side, sentence, side)
    .filter(([before, , after]) => before.length > 1_100 && after.length > 1_100)
    .map(([before, selected, after]) => {
      const marked = `Breakwater1962 ${selected}`;
      return { text: before + marked + after, start: before.length, end: before.length + marked.length };
    })
    .filter(({ text }) => !hasLoneSurrogate(text));
  const seen = tally<'cut before' | 'cut after' | 'cut on both sides' | 'no selection'>();
  fc.assert(
    fc.property(fc.oneof(anywhere, middle), ({ text, start, end }) => {
      const win = load('<html><body><textarea></textarea></body></html>');
      const field = win.document.querySelector('textarea') as HTMLTextAreaElement;
      field.value = text;
      field.focus();
      field.setSelectionRange(start, end);
      const selection = extractSelection(win);
      if (!selection) return void seen.add('no selection');
      expect(selection.context.length).toBeLessThanOrEqual(MAX_SELECTION_CONTEXT_CHARS);
      expect(hasLoneSurrogate(selection.text)).toBe(false);
      expect(hasLoneSurrogate(selection.context)).toBe(false);
      const before = selection.context.startsWith('…');
      const after = selection.context.endsWith('…');
      if (before && after) seen.add('cut on both sides');
      else if (before) seen.add('cut before');
      else if (after) seen.add('cut after');
    }),
    { numRuns: 100 },
  );
  // Not vacuous: the cases reach every cut, both sides at once included, and almost all give a selection
  // (one of only spaces gives none).
  expect(seen.count('cut on both sides'), seen.line()).toBeGreaterThanOrEqual(20);
  expect(seen.count('cut before') + seen.count('cut after'), seen.line()).toBeGreaterThanOrEqual(20);
  expect(seen.count('no selection'), seen.line()).toBeLessThanOrEqual(10);
}, 120_000);

function isLowSurrogate(text: string, index: number): boolean {
  return /[\udc00-\udfff]/.test(text.charAt(index));
}
