import { isCancellation, throwIfAborted } from '../errors';
import type { Embedder } from '../model';
import type { DownloadProgress, PageContent, Source } from '../protocol';
import { pageAt } from '../protocol/payloads';
import { cutAtCodePoint } from '../text/blocks';
import { MAX_EMBEDDED_PASSAGES } from '../text/limits';
import { cosineRanking, reciprocalRankFusion } from './fusion';
import { createLexicalIndex, type LexicalIndex } from './lexical';
import { contentHash, type PageIndex, type PageIndexStore, pageIndexKey } from './page-index';
import { type Passage, passagesContaining, plainText, searchableText, splitIntoPassages } from './passages';

export interface RetrieverOptions {
  /**
   * The embedder, loaded lazily on the first page too long to send whole (see `createLazyEmbedder`); it
   * hears the download progress of that first load.
   */
  embedder: (onProgress?: (progress: DownloadProgress) => void, signal?: AbortSignal) => Promise<Embedder>;
  store: PageIndexStore;
}

export interface RetrieveOptions {
  /** Most passages returned. */
  k: number;
  signal: AbortSignal;
  /** Text the user selected on the page: passages holding part of it come first. */
  selection?: string | null;
  /** Download progress of the embedding model, while this call waits for its first load. */
  onDownload?(progress: DownloadProgress): void;
  /** Passages embedded so far, of those this call embeds (only for a page version seen for the first time). */
  onEmbed?(done: number, total: number): void;
  /** The clear epoch the work began in (`ClearEpoch.current`): after a later clear, nothing is stored. */
  since?: number;
}

export interface RetrieveResult {
  /** At most `k` passages, in page order (not score order), so the prompt reads like the page. */
  passages: Passage[];
  /** Every passage vector needed came from the page index (memory or IndexedDB): none was computed. */
  cacheHit: boolean;
  /** Passages embedded by this call (0 on a cache hit). */
  embeddedPassages: number;
  /**
   * `all`: at most `k` passages, all returned unranked (no embedder loaded). `hybrid`: lexical and semantic
   * rankings fused. `lexical`: the embedder failed (see `error`), so word matches only, rather than failing.
   */
  mode: 'all' | 'hybrid' | 'lexical';
  /** Why the semantic ranking is missing, when `mode` is `lexical`. */
  error?: unknown;
}

/** Finds the passages of a page that bear on a question. */
export interface Retriever {
  /**
   * Ranks the page's passages for `question` by BM25 and by embedding similarity, fuses the rankings, puts
   * passages holding part of the selection first, and returns the best `k` in page order. Passages and
   * vectors are computed once per version of the page's text, and kept across worker restarts.
   *
   * Run it inside the engine's queue: embedding shares the single CPU thread with generation.
   *
   * @throws AppError `cancelled` when `signal` aborts; the vectors computed so far are kept for next time.
   */
  retrieve(page: PageContent, question: string, options: RetrieveOptions): Promise<RetrieveResult>;
}

/** Passages embedded per call to the embedder: the unit of progress reports and of work kept on Stop. */
const EMBED_STEP = 8;

/**
 * Characters of the selection added to the question for ranking: enough to say what the selection is about
 * when the question is only "explain this", not so much that a long selection drowns the question's words.
 */
const QUERY_SELECTION_CHARS = 300;

/** Creates a retriever over a page-index store. */
export function createRetriever({ embedder: loadEmbedder, store }: RetrieverOptions): Retriever {
  // Building BM25 over a long page takes a moment; its passages array identifies a page version.
  const lexicalIndexes = new WeakMap<readonly Passage[], LexicalIndex>();
  const lexicalIndexFor = (passages: Passage[]) => {
    let index = lexicalIndexes.get(passages);
    if (!index) {
      index = createLexicalIndex(passages.map(searchableText));
      lexicalIndexes.set(passages, index);
    }
    return index;
  };

  return {
    async retrieve(page, question, { k, signal, selection, onDownload, onEmbed, since }) {
      if (!(k >= 1)) throw new RangeError(`k must be at least 1, got ${k}`);
      throwIfAborted(signal);
      const hash = await contentHash(page.text);
      const key = pageIndexKey(page.url, hash);
      let entry = await store.get(key);
      throwIfAborted(signal);
      const passages = entry?.passages ?? splitIntoPassages(page.text);
      if (passages.length <= k) return { passages, cacheHit: false, embeddedPassages: 0, mode: 'all' };

      const query = queryText(question, selection);
      const lexical = query ? lexicalIndexFor(passages).rank(query) : [];
      let semantic: number[] = [];
      let cacheHit = false;
      let embeddedPassages = 0;
      let error: unknown;
      try {
        const embedder = await loadEmbedder(onDownload, signal);
        throwIfAborted(signal);
        if (entry?.embedderId !== embedder.id) {
          entry = { key, url: page.url, hash, embedderId: embedder.id, passages, vectors: [] };
        }
        const target = Math.min(passages.length, MAX_EMBEDDED_PASSAGES);
        const missing = target - entry.vectors.length;
        cacheHit = missing <= 0;
        if (!cacheHit) {
          store.remember(entry, since);
          embeddedPassages = await embedPassages(embedder, entry, target, signal, onEmbed);
          await store.put(entry, since);
        }
        if (query) {
          const [vector] = await embedder.embed([query], 'query', signal);
          semantic = cosineRanking(vector as Float32Array, entry.vectors);
        }
      } catch (failure) {
        if (isCancellation(failure)) throw failure;
        error = failure;
      }

      const fused = reciprocalRankFusion([lexical, semantic]);
      const ranked = new Set(fused);
      // Passages neither ranking found follow, in page order, so `k` can always be filled.
      const order = [...fused, ...passages.map((p) => p.index).filter((i) => !ranked.has(i))];
      const boosted = selection ? passagesContaining(passages, selection) : new Set<number>();
      const best = [...order.filter((i) => boosted.has(i)), ...order.filter((i) => !boosted.has(i))].slice(
        0,
        k,
      );
      // Page order reads naturally; the rank tells the prompt builder which passages to drop first.
      const chosen = best
        .map((i, rank) => ({ ...(passages[i] as Passage), rank }))
        .sort((a, b) => a.index - b.index);
      return {
        passages: chosen,
        cacheHit,
        embeddedPassages,
        mode: error === undefined ? 'hybrid' : 'lexical',
        ...(error === undefined ? {} : { error }),
      };
    },
  };
}

/**
 * Embeds `entry.passages` from the first one without a vector up to `target`, a step at a time, adding
 * each step's vectors to the entry at once so a Stop keeps them. Returns how many were embedded.
 */
async function embedPassages(
  embedder: Embedder,
  entry: PageIndex,
  target: number,
  signal: AbortSignal,
  onEmbed: RetrieveOptions['onEmbed'],
): Promise<number> {
  const first = entry.vectors.length;
  onEmbed?.(0, target - first);
  for (let start = first; start < target; start += EMBED_STEP) {
    const end = Math.min(start + EMBED_STEP, target);
    const texts = entry.passages.slice(start, end).map(searchableText);
    const vectors = await embedder.embed(texts, 'passage', signal);
    vectors.forEach((vector, i) => {
      entry.vectors[start + i] = vector;
    });
    onEmbed?.(end - first, target - first);
  }
  return target - first;
}

function queryText(question: string, selection: string | null | undefined): string {
  const parts = [question.trim(), cutAtCodePoint(selection?.trim() ?? '', QUERY_SELECTION_CHARS)];
  return parts.filter(Boolean).join('\n');
}

/**
 * The passages as the protocol's sources: plain text (heading markers removed), for showing and finding; a
 * PDF's name the page they start on.
 */
export function toSources(
  passages: readonly Passage[],
  page?: Pick<PageContent, 'text' | 'pages'>,
): Source[] {
  return passages.map(({ index, text, heading }) => {
    const source: Source = { index, text: plainText(text), heading };
    const starts = page?.pages;
    if (!starts) return source;
    // A passage is a substring of the page's text; the PDF's page offsets place it.
    const at = page.text.indexOf(text);
    const number = at >= 0 ? pageAt(starts, at) : null;
    return number === null ? source : { ...source, page: number };
  });
}
