import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TEST_MODELS_DIR } from '../../scripts/test-models';
import { loadTransformersEmbedder } from '../../src/engine/backends/transformers-embedder';
import { createLazyEmbedder } from '../../src/engine/embedder';
import { type EmbedderSpec, TEST_TINY_BERT } from '../../src/engine/registry';
import type { Embedder } from '../../src/model';
import { cosineRanking } from '../../src/retrieval/fusion';
import { createPageIndexStore } from '../../src/retrieval/page-index';
import { searchableText, splitIntoPassages } from '../../src/retrieval/passages';
import { createRetriever } from '../../src/retrieval/retriever';
import { longArticleText, pageContent } from '../support/article';

// The real transformers.js embedder on the generated random-weight encoder (onnxruntime-node). Its
// vectors stay close to the mean of their tokens' embeddings, so texts sharing words come out similar.

const BACKEND = { device: 'cpu', localModelPath: TEST_MODELS_DIR } as const;
const load = (spec: EmbedderSpec = TEST_TINY_BERT) => loadTransformersEmbedder(spec, BACKEND, () => {});

const PLANTED = 'The lighthouse keeper, Ingrid Solberg, painted the lamp room cobalt blue in 1931.';
const QUESTION = 'What colour did the lighthouse keeper Ingrid Solberg paint the lamp room?';

function articleWith(planted: string, minChars: number): string {
  const blocks = longArticleText(minChars).split('\n\n');
  blocks.splice(Math.floor(blocks.length * 0.6), 0, planted);
  return blocks.join('\n\n');
}

const page = (text: string) => pageContent(text);

const norm = (v: Float32Array) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);
const maxDifference = (a: Float32Array, b: Float32Array) =>
  Math.max(...a.map((x, i) => Math.abs(x - (b[i] ?? 0))));

describe('the transformers.js embedder', () => {
  let embedder: Embedder;
  beforeAll(async () => {
    embedder = await load();
  });
  afterAll(async () => {
    await embedder.dispose();
  });

  // The q8 model quantizes activations per call (DynamicQuantizeLinear), so a text's vector moves a little
  // with its batch companions: compared by angle, not bit for bit.
  test('returns one unit vector per text, in order, the same alone or batched with others', async () => {
    const texts = [
      'The ferry leaves at noon.',
      'A much longer sentence about the bakery on Quay Street and its bread.',
      'x',
    ];
    const batched = await embedder.embed([...texts, ...texts, 'one more'], 'passage');
    expect(batched).toHaveLength(7);
    for (const [i, text] of texts.entries()) {
      const [alone] = await embedder.embed([text], 'passage');
      expect(alone).toHaveLength(TEST_TINY_BERT.dims as number);
      expect(norm(alone as Float32Array)).toBeCloseTo(1, 5);
      expect(cosine(alone as Float32Array, batched[i] as Float32Array)).toBeGreaterThan(0.9999);
      expect(cosine(alone as Float32Array, batched[i + 3] as Float32Array)).toBeGreaterThan(0.9999);
    }
    expect(await embedder.embed([], 'query')).toEqual([]);
  });

  test('texts that share words are closer than texts that do not', async () => {
    const [question, answer, other] = await embedder.embed(
      [QUESTION, PLANTED, 'Parking, rents and the price of a coffee have all risen faster than local wages.'],
      'passage',
    );
    expect(cosineRanking(question as Float32Array, [other as Float32Array, answer as Float32Array])[0]).toBe(
      1,
    );
  });

  test('puts the spec’s prefixes before queries and passages', async () => {
    const prefixed = await load({ ...TEST_TINY_BERT, queryPrefix: 'query: ', passagePrefix: 'passage: ' });
    try {
      const [query] = await prefixed.embed(['lamp room'], 'query');
      const [passage] = await prefixed.embed(['lamp room'], 'passage');
      const [expectedQuery] = await embedder.embed(['query: lamp room'], 'passage');
      const [expectedPassage] = await embedder.embed(['passage: lamp room'], 'query');
      expect(maxDifference(query as Float32Array, expectedQuery as Float32Array)).toBeLessThan(1e-6);
      expect(maxDifference(passage as Float32Array, expectedPassage as Float32Array)).toBeLessThan(1e-6);
      expect(maxDifference(query as Float32Array, passage as Float32Array)).toBeGreaterThan(1e-3);
    } finally {
      await prefixed.dispose();
    }
  });

  test('cuts inputs to the spec’s maxTokens', async () => {
    const short = await load({ ...TEST_TINY_BERT, maxTokens: 8 });
    try {
      const head = 'one two three four five six seven eight nine ten';
      const [a, b] = await short.embed([`${head} eleven`, `${head} something else entirely`], 'passage');
      expect(maxDifference(a as Float32Array, b as Float32Array)).toBe(0);
      const [c, d] = await embedder.embed([`${head} eleven`, `${head} something else entirely`], 'passage');
      expect(maxDifference(c as Float32Array, d as Float32Array)).toBeGreaterThan(1e-3);
    } finally {
      await short.dispose();
    }
  });

  test('an aborted signal stops it', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(embedder.embed(['text'], 'passage', controller.signal)).rejects.toMatchObject({
      code: 'cancelled',
    });
  });

  test('a missing bundled model fails with a load error, which is not kept for the next try', async () => {
    const missing = { ...TEST_TINY_BERT, repo: 'no-such-encoder' };
    const lazy = createLazyEmbedder((onProgress) => loadTransformersEmbedder(missing, BACKEND, onProgress));
    await expect(lazy.get()).rejects.toMatchObject({ code: 'model-load' });
    expect(lazy.started).toBe(false);
  });
});

describe('retrieval with the real embedder', () => {
  const lazy = createLazyEmbedder((onProgress) =>
    loadTransformersEmbedder(TEST_TINY_BERT, BACKEND, onProgress),
  );
  const retriever = createRetriever({
    embedder: lazy.get,
    store: createPageIndexStore({ dbName: 'retrieval-it' }),
  });
  const text = articleWith(PLANTED, 15_000);
  const passages = splitIntoPassages(text);
  const signal = new AbortController().signal;
  afterAll(async () => {
    await lazy.dispose();
  });

  test('the semantic ranking alone puts the planted passage first for its words', async () => {
    const embedder = await lazy.get();
    const vectors = await embedder.embed(passages.map(searchableText), 'passage');
    // Random weights only know which tokens a text has, so the query is the phrase's own words.
    const [query] = await embedder.embed(['lighthouse keeper Ingrid Solberg lamp room cobalt blue'], 'query');
    const planted = passages.findIndex((p) => p.text.includes(PLANTED));
    expect(cosineRanking(query as Float32Array, vectors)[0]).toBe(planted);
  });

  test('a question about a planted phrase gets the passage holding it', async () => {
    const result = await retriever.retrieve(page(text), QUESTION, { k: 3, signal });
    expect(passages.length).toBeGreaterThan(15);
    expect(result).toMatchObject({ mode: 'hybrid', cacheHit: false, embeddedPassages: passages.length });
    expect(result.passages.some((p) => p.text.includes(PLANTED))).toBe(true);
  });

  test('a second question on the same page embeds no passage', async () => {
    const result = await retriever.retrieve(page(text), 'When did the council vote to dredge the basin?', {
      k: 3,
      signal,
    });
    expect(result).toMatchObject({ cacheHit: true, embeddedPassages: 0 });
    expect(result.passages.some((p) => p.text.includes('dredge the basin'))).toBe(true);
  });

  test('a changed page is embedded again', async () => {
    const changed = text.replace(
      PLANTED,
      'The lighthouse keeper, Ingrid Solberg, painted the lamp room red.',
    );
    const result = await retriever.retrieve(page(changed), QUESTION, { k: 3, signal });
    expect(result).toMatchObject({ cacheHit: false, embeddedPassages: splitIntoPassages(changed).length });
    expect(result.passages.some((p) => p.text.includes('lamp room red'))).toBe(true);
  });
});
