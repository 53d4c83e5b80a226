import { describe, expect, test } from 'vitest';
import { cosineRanking, RRF_K, reciprocalRankFusion } from '../../../src/retrieval/fusion';
import { createLexicalIndex } from '../../../src/retrieval/lexical';

const v = (...values: number[]) => Float32Array.from(values);

describe('reciprocal rank fusion', () => {
  // Built so that each ranking alone puts a trap first and only their agreement finds the answer.
  const QUESTION = 'When will the ferry sail again?';
  const ANSWER = 1;
  const CORPUS = [
    // Repeats the question's words without answering it: first by BM25.
    'The ferry, the ferry, always the ferry: when will this town talk about anything else again?',
    'The council says the ferry to the islands will sail again next May.',
    // On the topic but sharing no word with the question: first by meaning alone.
    'Boats to these islands were a lifeline for families who lived there.',
    'Parking in the old town costs more every summer.',
    'The bakery on Quay Street has sold bread since 1988.',
  ];
  const QUERY_VECTOR = v(1, 0, 0);
  const VECTORS = [v(-0.2, 1, 0), v(0.9, 0.5, 0), v(1, 0.1, 0), v(0.1, 0, 1), v(0.05, 1, 0)];

  test('finds the passage that both rankings place second, where each alone puts a trap first', () => {
    const lexical = createLexicalIndex(CORPUS).rank(QUESTION);
    const semantic = cosineRanking(QUERY_VECTOR, VECTORS);
    expect(lexical[0]).toBe(0);
    expect(lexical[1]).toBe(ANSWER);
    expect(semantic[0]).toBe(2);
    expect(semantic[1]).toBe(ANSWER);

    expect(reciprocalRankFusion([lexical, semantic])[0]).toBe(ANSWER);
  });

  test('scores 1 / (k + rank) summed over the rankings', () => {
    // a: 1/61 + 1/63, b: 1/62 + 1/61, c: 1/63 + 1/62 -> b, a, c.
    expect(reciprocalRankFusion([['a', 'b', 'c'].map((_, i) => i), [1, 2, 0]])).toEqual([1, 0, 2]);
    expect(RRF_K).toBe(60);
  });

  test('equal scores keep index order, whatever order the rankings come in', () => {
    expect(
      reciprocalRankFusion([
        [3, 1],
        [1, 3],
      ]),
    ).toEqual([1, 3]);
    expect(
      reciprocalRankFusion([
        [1, 3],
        [3, 1],
      ]),
    ).toEqual([1, 3]);
    expect(reciprocalRankFusion([[7], [2], [5]])).toEqual([2, 5, 7]);
  });

  test('an empty lexical ranking still returns the semantic results, in semantic order', () => {
    const semantic = cosineRanking(QUERY_VECTOR, VECTORS);
    expect(reciprocalRankFusion([[], semantic])).toEqual(semantic);
    expect(reciprocalRankFusion([[], []])).toEqual([]);
  });

  test('items found by one ranking only are kept, below those both agree on', () => {
    expect(
      reciprocalRankFusion([
        [0, 1],
        [1, 2],
      ]),
    ).toEqual([1, 0, 2]);
  });

  test('limit returns the top k', () => {
    expect(reciprocalRankFusion([[4, 3, 2, 1, 0]], { limit: 2 })).toEqual([4, 3]);
  });

  test('a small k lets one first place win; the default k rewards agreement', () => {
    // 0 is first in one ranking only; 1 is second in one and sixth in the other.
    const rankings = [
      [0, 1],
      [2, 3, 4, 5, 6, 1],
    ];
    expect(reciprocalRankFusion(rankings, { k: 1 })[0]).toBe(0);
    expect(reciprocalRankFusion(rankings)[0]).toBe(1);
  });
});

describe('cosine ranking', () => {
  test('orders by angle, not length, with ties and zero vectors last by index', () => {
    const ranking = cosineRanking(v(1, 0), [v(0, 1), v(10, 0), v(1, 1), v(0, 0), v(2, 2), v(1, 0)]);
    expect(ranking).toEqual([1, 5, 2, 4, 0, 3]);
  });

  test('rejects vectors of another length', () => {
    expect(() => cosineRanking(v(1, 0), [v(1, 0, 0)])).toThrow(RangeError);
  });
});
