import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { splitIntoPassages } from '../../../src/retrieval/passages';
import { blocksToText, cutAtCodePoint, cutAtWord } from '../../../src/text/blocks';
import { type CountTokens, splitIntoChunks, truncateToTokens } from '../../../src/text/chunk';
import { MAX_SELECTION_CONTEXT_CHARS } from '../../../src/text/limits';
import { extractSelection } from '../../../src/text/selection';
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
  // Long enough that the context around the selection must be cut, on both sides.
  // Long enough that the context around the selection must be cut, on both sides; CJK runs without spaces.
  const longText = fc
    .oneof(
      fc.array(block, { minLength: 30, maxLength: 60 }).map((blocks) => blocks.join(' ')),
      fc
        .array(fc.constantFrom('中', '文', '𠮷', '👋', '。'), { minLength: 2_001, maxLength: 2_200 })
        .map((c) => c.join('')),
    )
    .filter((text) => !hasLoneSurrogate(text) && text.length > MAX_SELECTION_CONTEXT_CHARS);
  fc.assert(
    fc.property(
      longText,
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.integer({ min: 1, max: 300 }),
      (text, at, length) => {
        const win = load('<html><body><textarea></textarea></body></html>');
        const field = win.document.querySelector('textarea') as HTMLTextAreaElement;
        field.value = text;
        field.focus();
        let start = Math.floor(at * (text.length - 1));
        // A selection starts and ends between characters, as in a browser.
        if (hasLoneSurrogate(text.slice(start, start + 1)) && /[\udc00-\udfff]/.test(text.charAt(start)))
          start--;
        let end = Math.min(text.length, start + length);
        if (/[\udc00-\udfff]/.test(text.charAt(end))) end++;
        field.setSelectionRange(start, end);
        const selection = extractSelection(win);
        if (!selection) return;
        expect(selection.context.length).toBeLessThanOrEqual(MAX_SELECTION_CONTEXT_CHARS);
        expect(hasLoneSurrogate(selection.text)).toBe(false);
        expect(hasLoneSurrogate(selection.context)).toBe(false);
      },
    ),
    { numRuns: 100 },
  );
}, 120_000);
