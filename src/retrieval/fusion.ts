/**
 * RRF's rank offset: 60, the paper's value (Cormack, Clarke and Büttcher, SIGIR 2009), stable across
 * collections; large enough that being first in one ranking does not outweigh being near the top of both.
 */
export const RRF_K = 60;

export interface FusionOptions {
  /** Rank offset; see {@link RRF_K}. */
  k?: number;
  /** Most indices returned. */
  limit?: number;
}

/**
 * Reciprocal rank fusion: an item scores the sum over rankings of `1 / (k + rank)` (rank from 1), so the
 * rankings' incomparable scores (BM25, cosine) are never mixed and an empty ranking drops out. Ties go by
 * index: deterministic, and page order for passages.
 *
 * @param rankings Lists of item indices, best first; an index appears at most once per list.
 * @returns Indices of every item in any ranking, best first (at most `limit`).
 */
export function reciprocalRankFusion(
  rankings: readonly (readonly number[])[],
  { k = RRF_K, limit = Number.POSITIVE_INFINITY }: FusionOptions = {},
): number[] {
  const scores = new Map<number, number>();
  for (const ranking of rankings) {
    ranking.forEach((item, position) => {
      scores.set(item, (scores.get(item) ?? 0) + 1 / (k + position + 1));
    });
  }
  return [...scores]
    .sort(([a, scoreA], [b, scoreB]) => scoreB - scoreA || a - b)
    .slice(0, limit)
    .map(([item]) => item);
}

/**
 * Indices of `vectors` by cosine similarity to `query`, most similar first, equal ones by index. Vectors
 * need not be unit length; a zero vector is similar to nothing (0).
 */
export function cosineRanking(query: Float32Array, vectors: readonly Float32Array[]): number[] {
  const queryNorm = Math.sqrt(dot(query, query));
  const similarity = vectors.map((vector, index) => {
    const norms = queryNorm * Math.sqrt(dot(vector, vector));
    return { index, score: norms > 0 ? dot(query, vector) / norms : 0 };
  });
  return similarity.sort((a, b) => b.score - a.score || a.index - b.index).map(({ index }) => index);
}

function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`vector lengths differ: ${a.length} and ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}
