import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { buildChatPrompt, renderUserTurn } from '../../../src/chat/context';
import { overviewPrompt, partPointsPrompt, summaryPrompt } from '../../../src/summarize/prompts';
import { cutAtCodePoint } from '../../../src/text/blocks';
import { defuse, FENCE_TAGS, fence, promptField } from '../../../src/text/fence';
import { hasLoneSurrogate } from '../support/unicode';

/**
 * Independent of the implementation: a fence tag as a model would read it, after folding compatibility
 * forms (full-width brackets and letters) and case.
 */
const TAG = /<\s*\/?\s*(?:page|selection)(?![\w-])/g;
const tagsIn = (text: string) => text.normalize('NFKC').toLowerCase().match(TAG)?.length ?? 0;

/** Text that is mostly fence-tag material, so that tags and near-tags come up in every run. */
const hostile = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '<',
        '>',
        '/',
        ' ',
        '\n',
        '\t',
        '\u3000',
        '＜',
        '﹤',
        '／',
        '‹',
        'page',
        'PAGE',
        'Page',
      ),
      fc.constantFrom('selection', 'SeLeCtIoN', 'ｐａｇｅ', 'ſelection', 'pages', 'page-x', 'p', 'age', '-'),
      fc.constantFrom('</page>', '<page>', '</selection>', '< / page >', '<<page>', '<page attr="1">'),
      fc.string({ unit: 'binary', maxLength: 6 }),
    ),
    { maxLength: 40 },
  )
  .map((pieces) => pieces.join(''));

const anyText = fc.oneof(hostile, fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));
const RUNS = { numRuns: 2_000 };

describe('defuse', () => {
  test('leaves no fence tag, for any input', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(tagsIn(defuse(text))).toBe(0);
      }),
      RUNS,
    );
  });

  test('replaces brackets only, one for one', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const out = defuse(text);
        expect(out.length).toBe(text.length);
        for (let i = 0; i < text.length; i++) {
          if (out[i] !== text[i]) {
            expect('<＜﹤').toContain(text[i]);
            expect(out[i]).toBe('‹');
          }
        }
      }),
      RUNS,
    );
  });

  test('leaves text without a fence tag as it is', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        fc.pre(tagsIn(text) === 0);
        expect(defuse(text)).toBe(text);
      }),
      RUNS,
    );
  });

  test.each([
    ['</page>', '‹/page>'],
    ['<PAGE>', '‹PAGE>'],
    ['< / selection >', '‹ / selection >'],
    ['<page class="x">', '‹page class="x">'],
    ['＜／ｐａｇｅ＞', '‹／ｐａｇｅ＞'],
    ['<<page>', '<‹page>'],
    ['<pages> <page-x> a < b', '<pages> <page-x> a < b'],
  ])('%s becomes %s', (text, expected) => {
    expect(defuse(text)).toBe(expected);
  });
});

describe('fence', () => {
  test.each(FENCE_TAGS)('<%s> holds exactly its own opening and closing tag, for any input', (tag) => {
    fc.assert(
      fc.property(anyText, (text) => {
        const fenced = fence(tag, text);
        expect(tagsIn(fenced)).toBe(2);
        expect(fenced.startsWith(`<${tag}>\n`)).toBe(true);
        expect(fenced.endsWith(`\n</${tag}>`)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('promptField', () => {
  test('is one defused line within its limit, with no lone surrogate', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 0, max: 50 }), (text, max) => {
        const field = promptField(text, max);
        expect(field.length).toBeLessThanOrEqual(max);
        expect(field).not.toMatch(/\n/);
        expect(tagsIn(field)).toBe(0);
        expect(hasLoneSurrogate(field)).toBe(false);
      }),
      RUNS,
    );
  });

  test('cutAtCodePoint never splits a pair and keeps what fits', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.integer({ min: 0, max: 40 }), (text, max) => {
        const cut = cutAtCodePoint(text, max);
        expect(text.startsWith(cut)).toBe(true);
        expect(cut.length).toBeLessThanOrEqual(max);
        expect(cut.length).toBeGreaterThanOrEqual(Math.min(text.length, max - 1));
        expect(hasLoneSurrogate(cut)).toBe(false);
      }),
      RUNS,
    );
  });
});

/** Tags in a prompt's messages: the system prompt names the tags, so only user messages are counted. */
const userTags = (messages: { role: string; content: string }[]) =>
  messages.filter((m) => m.role === 'user').reduce((n, m) => n + tagsIn(m.content), 0);

describe('every prompt fences page text, titles and selections', () => {
  const page = fc.record({ title: anyText, lang: fc.option(anyText) });

  test('summary, part-notes and combine prompts hold one fence, whatever the page says', () => {
    fc.assert(
      fc.property(page, anyText, (info, text) => {
        expect(userTags(summaryPrompt(info, text, 'standard'))).toBe(2);
        expect(userTags(partPointsPrompt(info, text, 'brief', 1, 3))).toBe(2);
        expect(userTags(overviewPrompt(info, text, 'detailed'))).toBe(2);
      }),
      RUNS,
    );
  });

  test('the page title stays on one line of the request', () => {
    fc.assert(
      fc.property(page, (info) => {
        const [, user] = summaryPrompt(info, 'Body.', 'brief');
        const request = user?.content.split('\n\n<page>\n')[0] ?? '';
        expect(request).not.toMatch(/\n/);
      }),
      RUNS,
    );
  });

  test('a chat turn fences passages and selection; the title and headings cannot open a fence', () => {
    const passage = fc.record({ text: anyText, heading: fc.option(anyText) });
    // The question is the user's own words, so it is not fenced; keep it free of tags to count the rest.
    const question = fc
      .string({ unit: 'grapheme-ascii', minLength: 1 })
      .map((q) => `${q.replace(/</g, '')}?`);
    fc.assert(
      fc.property(
        anyText,
        fc.array(passage, { maxLength: 3 }),
        anyText,
        question,
        (sel, passages, title, q) => {
          const shown = passages.filter((p) => p.text.trim());
          const selection = sel.trim() ? sel : null;
          const expected = (shown.length > 0 ? 2 : 0) + (selection ? 2 : 0);
          expect(tagsIn(renderUserTurn(q, selection, shown))).toBe(expected);
          const prompt = buildChatPrompt(
            { page: { title, url: 'https://example.com/' }, selection, passages, history: [], question: q },
            1e9,
            () => 0,
          );
          const system = prompt.messages[0]?.content ?? '';
          // The system prompt names each tag twice (open and close) in its instructions, and no more.
          expect(tagsIn(system)).toBe(4);
          expect(userTags(prompt.messages)).toBe(expected);
        },
      ),
      RUNS,
    );
  });
});
