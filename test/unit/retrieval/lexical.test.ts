import { afterEach, describe, expect, test, vi } from 'vitest';
import { createLexicalIndex, tokenize } from '../../../src/retrieval/lexical';

const CORPUS = [
  'In 1962 the town council voted to dredge the basin and build a new breakwater.',
  'The breakwater took eleven years to build and cost far more than planned.',
  'Maria Okafor has run the bakery on Quay Street since 1988.',
  'Today the harbour draws around 300,000 visitors a year, and the harbours nearby fewer.',
  'A 2023 survey found that 41 percent of the houses in the old town are holiday lets.',
  'The council’s new plan caps holiday lets and restores the ferry to the islands.',
];

describe('BM25 ranking', () => {
  const index = createLexicalIndex(CORPUS);

  test.each([
    ['who runs the bakery?', 2],
    ['How many visitors come each year?', 3],
    ['When did the council vote to dredge?', 0],
    ['What does the plan do about the ferry?', 5],
    ['holiday lets survey', 4],
  ])('%s -> passage %i first', (query, best) => {
    expect(index.rank(query)[0]).toBe(best);
  });

  test('a rare term outweighs common ones: "breakwater" beats passages full of "the"', () => {
    const ranking = index.rank('the the the breakwater');
    expect(ranking.slice(0, 2).sort()).toEqual([0, 1]);
  });

  test('a shorter passage with the same matches ranks higher (length normalisation)', () => {
    const lengths = createLexicalIndex([
      'The ferry leaves at noon, and everything else about the quay, the boats, the gulls, the weather, the cafés and the tourists goes on as before all afternoon.',
      'The ferry leaves at noon.',
    ]);
    expect(lengths.rank('ferry')).toEqual([1, 0]);
  });

  test('a term repeated in the question counts once', () => {
    const repeated = createLexicalIndex(['harbour harbour', 'bakery']);
    expect(repeated.rank('harbour harbour harbour bakery')).toEqual(repeated.rank('harbour bakery'));
  });

  test('passages with no word in common are left out; an empty query finds nothing', () => {
    expect(index.rank('bakery')).toEqual([2]);
    expect(index.rank('')).toEqual([]);
    expect(index.rank('?!')).toEqual([]);
  });

  test('words of four letters or more also find longer words they begin, below exact matches', () => {
    const prefixes = createLexicalIndex([
      'The harbours of the coast',
      'The harbour at dawn',
      'A town by the sea',
    ]);
    expect(prefixes.rank('harbour')).toEqual([1, 0]);
    // Three letters are too few: "tow" does not find "town".
    expect(prefixes.rank('tow')).toEqual([]);
  });

  test('equal scores come in passage order', () => {
    const twins = createLexicalIndex(['same words here', 'other', 'same words here']);
    expect(twins.rank('same words')).toEqual([0, 2]);
  });

  test('works on languages without spaces', () => {
    const chinese = createLexicalIndex([
      '港口的渡轮明年恢复。',
      '面包店自一九八八年开业。',
      '游客每年三十万人。',
    ]);
    expect(chinese.rank('渡轮什么时候恢复？')[0]).toBe(0);
  });
});

describe('tokenize', () => {
  test.each([
    ['Hello, World!', ['hello', 'world']],
    ['l’année', ['l', 'année']],
    ['The council’s plan', ['the', 'council', 's', 'plan']],
    ['300,000 visitors', ['300', '000', 'visitors']],
    ['Ｆｕｌｌ ｗｉｄｔｈ and ﬁne', ['full', 'width', 'and', 'fine']],
    ['año ano', ['año', 'ano']],
    ['ΟΔΥΣΣΕΙΑ', ['οδυσσεια']],
    ['😀 — …', []],
  ])('%s', (text, terms) => {
    expect(tokenize(text)).toEqual(terms);
  });

  test('segments Chinese and Japanese into words', () => {
    const terms = tokenize('港口的渡轮明年恢复。東京タワーに行きました。');
    expect(terms).toContain('渡轮');
    expect(terms).toContain('恢复');
    expect(terms.join('')).toBe('港口的渡轮明年恢复東京タワーに行きました');
  });

  describe('without Intl.Segmenter', () => {
    afterEach(() => {
      vi.unstubAllGlobals();
      vi.resetModules();
    });

    test('falls back to letter runs, one Chinese or Japanese character a word', async () => {
      // Intl's members are not enumerable: inherit them rather than spread them.
      vi.stubGlobal('Intl', Object.assign(Object.create(Intl), { Segmenter: undefined }));
      vi.resetModules();
      const fallback = await import('../../../src/retrieval/lexical');
      expect(fallback.tokenize('The council’s plan, 2023: 港口的渡轮 and ＡＢＣ')).toEqual([
        'the',
        'council',
        's',
        'plan',
        '2023',
        '港',
        '口',
        '的',
        '渡',
        '轮',
        'and',
        'abc',
      ]);
    });
  });
});
