import MiniSearch, { type SearchOptions } from 'minisearch';

let wordSegmenter: Intl.Segmenter | null | undefined;

/**
 * Words without `Intl.Segmenter` (Firefox before 125): runs of letters, marks and digits, except that
 * Chinese and Japanese characters, written without spaces, count one character a word.
 */
const FALLBACK_WORD =
  /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}]|(?:(?![\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}])[\p{L}\p{M}\p{N}])+/gu;

/**
 * Anything but letters, marks and digits. Words are split there, so an elision or a possessive leaves the
 * word itself as a term (`l’année` gives `l` and `année`, `council’s` gives `council` and `s`).
 */
const NOT_WORD_CHARACTER = /[^\p{L}\p{M}\p{N}]+/u;

/**
 * Splits text into lowercase search terms in any language: `Intl.Segmenter` words where the runtime has them
 * (it segments Chinese, Japanese and Thai by dictionary), split at punctuation, NFKC-folded. Accents stay:
 * stripping them merges different words (Spanish `año` and `ano`).
 */
export function tokenize(text: string): string[] {
  const normalized = text.normalize('NFKC').toLowerCase();
  const terms: string[] = [];
  const add = (word: string) => {
    for (const term of word.split(NOT_WORD_CHARACTER)) if (term) terms.push(term);
  };
  wordSegmenter ??=
    typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'word' }) : null;
  if (wordSegmenter) {
    for (const { segment, isWordLike } of wordSegmenter.segment(normalized)) if (isWordLike) add(segment);
  } else {
    for (const [word] of normalized.matchAll(FALLBACK_WORD)) add(word);
  }
  return terms;
}

/** Ranks documents for a query by BM25. */
export interface LexicalIndex {
  /**
   * Indices of the documents that share at least one term with `query`, best first; equal scores in
   * document order. Documents with no term in common are left out.
   */
  rank(query: string): number[];
}

/**
 * Query terms at least this long also match words they begin (`harbour` finds `harbours`), at a reduced
 * weight: a cheap stand-in for stemming that needs no language rules. Shorter terms would match too much.
 */
const PREFIX_MIN_CHARS = 4;

const SEARCH_OPTIONS: SearchOptions = {
  combineWith: 'OR',
  prefix: (term) => term.length >= PREFIX_MIN_CHARS,
  // Edit-distance matching costs much more and, across languages, mostly finds other words.
  fuzzy: false,
  // Okapi BM25's usual constants; no BM25+ floor `d`, which only helps very long documents.
  bm25: { k: 1.2, b: 0.75, d: 0 },
  // A question repeating a word ("the ... the") should not count it twice.
  tokenize: (query) => [...new Set(tokenize(query))],
};

/**
 * A BM25 index over `texts` (document `i` is `texts[i]`), built with MiniSearch, whose score boost by the
 * number of distinct query terms matched is undone: it ranks a passage full of the question's common words
 * ("what", "the", "did") above one holding its single rare term.
 */
export function createLexicalIndex(texts: readonly string[]): LexicalIndex {
  const search = new MiniSearch<{ id: number; text: string }>({
    fields: ['text'],
    tokenize,
    // `tokenize` has already normalized each term.
    processTerm: (term) => term,
    searchOptions: SEARCH_OPTIONS,
  });
  search.addAll(texts.map((text, id) => ({ id, text })));

  return {
    rank(query) {
      return search
        .search(query)
        .map((result) => ({ id: result.id as number, score: result.score / (result.queryTerms.length || 1) }))
        .sort((a, b) => b.score - a.score || a.id - b.id)
        .map((result) => result.id);
    },
  };
}
