import 'fake-indexeddb/auto';
import { describe, expect, test, vi } from 'vitest';
import { AppError, cancelled } from '../../../src/errors';
import type { Embedder, EmbedKind } from '../../../src/model';
import { tokenize } from '../../../src/retrieval/lexical';
import { createPageIndexStore } from '../../../src/retrieval/page-index';
import { splitIntoPassages } from '../../../src/retrieval/passages';
import { createRetriever, type RetrieveOptions, toSources } from '../../../src/retrieval/retriever';
import { MAX_EMBEDDED_PASSAGES } from '../../../src/text/limits';
import { longArticleText, pageContent } from '../../support/article';

const DIMS = 64;

/** Hashed bag of words: texts sharing words get similar vectors, like a (very) poor sentence embedder. */
function bagOfWords(text: string): Float32Array {
  const vector = new Float32Array(DIMS);
  for (const term of tokenize(text)) {
    let h = 0;
    for (const char of term) h = (h * 31 + (char.codePointAt(0) ?? 0)) % DIMS;
    vector[h] = (vector[h] ?? 0) + 1;
  }
  return vector;
}

function fakeEmbedder(id = 'fake-embedder') {
  const calls: { count: number; kind: EmbedKind }[] = [];
  const embedder: Embedder = {
    id,
    async embed(texts, kind, signal) {
      if (signal?.aborted) throw cancelled();
      calls.push({ count: texts.length, kind });
      return texts.map(bagOfWords);
    },
    dispose: async () => {},
  };
  const embedded = (kind: EmbedKind) => calls.filter((c) => c.kind === kind).reduce((n, c) => n + c.count, 0);
  return { embedder, calls, embedded };
}

let databases = 0;
function setup(embedder: Embedder, dbName = `retriever-test-${++databases}`) {
  const load = vi.fn(async () => embedder);
  const store = createPageIndexStore({ dbName });
  return { retriever: createRetriever({ embedder: load, store }), load, store, dbName };
}

const PLANTED = 'The lighthouse keeper, Ingrid Solberg, painted the lamp room cobalt blue in 1931.';

function articleWith(planted: string, minChars: number, at = 0.6): string {
  const blocks = longArticleText(minChars).split('\n\n');
  blocks.splice(Math.floor(blocks.length * at), 0, planted);
  return blocks.join('\n\n');
}

const page = (text: string, url = 'https://example.org/harbour') =>
  pageContent(text, { url, title: 'The harbour' });

const options = (overrides: Partial<RetrieveOptions> = {}): RetrieveOptions => ({
  k: 4,
  signal: new AbortController().signal,
  ...overrides,
});

describe('retrieving passages for a question', () => {
  const LONG = articleWith(PLANTED, 12_000);
  const PASSAGES = splitIntoPassages(LONG);

  test('finds the passage holding the answer, returns at most k, in page order', async () => {
    const { retriever } = setup(fakeEmbedder().embedder);
    const result = await retriever.retrieve(
      page(LONG),
      'What colour did Ingrid Solberg paint the lamp room?',
      options(),
    );
    expect(result.mode).toBe('hybrid');
    expect(result.passages.length).toBe(4);
    expect(result.passages.some((p) => p.text.includes('cobalt blue'))).toBe(true);
    const indices = result.passages.map((p) => p.index);
    expect(indices).toEqual([...indices].sort((a, b) => a - b));
    expect(result.passages).toEqual(indices.map((i) => ({ ...PASSAGES[i], rank: expect.any(Number) })));
    // Ranks say which passage to drop first when the prompt is short of room: the answer's is the best.
    expect(result.passages.map((p) => p.rank).sort()).toEqual([0, 1, 2, 3]);
    expect(result.passages.find((p) => p.text.includes('cobalt blue'))?.rank).toBe(0);
  });

  test('the page is embedded once; later questions embed only themselves', async () => {
    const fake = fakeEmbedder();
    const { retriever, load } = setup(fake.embedder);
    const first = await retriever.retrieve(page(LONG), 'Who painted the lamp room?', options());
    expect(first).toMatchObject({ cacheHit: false, embeddedPassages: PASSAGES.length });
    expect(fake.embedded('passage')).toBe(PASSAGES.length);

    const second = await retriever.retrieve(page(LONG), 'When did the council vote?', options());
    expect(second).toMatchObject({ cacheHit: true, embeddedPassages: 0 });
    expect(fake.embedded('passage')).toBe(PASSAGES.length);
    expect(fake.embedded('query')).toBe(2);
    expect(load).toHaveBeenCalledTimes(2);
  });

  test('after a worker restart the vectors come back from IndexedDB', async () => {
    const { retriever, dbName } = setup(fakeEmbedder().embedder);
    await retriever.retrieve(page(LONG), 'Who painted the lamp room?', options());

    const fake = fakeEmbedder();
    const restarted = setup(fake.embedder, dbName).retriever;
    const result = await restarted.retrieve(page(LONG), 'What is the lamp room colour?', options());
    expect(result).toMatchObject({ cacheHit: true, embeddedPassages: 0 });
    expect(fake.embedded('passage')).toBe(0);
  });

  test('a changed page is embedded again', async () => {
    const { retriever } = setup(fakeEmbedder().embedder);
    await retriever.retrieve(page(LONG), 'Who painted the lamp room?', options());
    const changed = `${LONG}\n\nUpdate: the lamp room was repainted white in 2024.`;
    const result = await retriever.retrieve(page(changed), 'Who painted the lamp room?', options());
    expect(result.cacheHit).toBe(false);
    expect(result.embeddedPassages).toBe(splitIntoPassages(changed).length);
  });

  test('another embedder does not reuse the vectors', async () => {
    const dbName = `retriever-test-${++databases}`;
    await setup(fakeEmbedder('model-a').embedder, dbName).retriever.retrieve(
      page(LONG),
      'lamp room',
      options(),
    );
    const result = await setup(fakeEmbedder('model-b').embedder, dbName).retriever.retrieve(
      page(LONG),
      'lamp room',
      options(),
    );
    expect(result).toMatchObject({ cacheHit: false, embeddedPassages: PASSAGES.length });
  });

  test('a page that fits in k passages comes back whole, without loading the embedder', async () => {
    const { retriever, load } = setup(fakeEmbedder().embedder);
    const short = '## Note\n\nThe ferry leaves at noon.\n\nThe bakery opens at seven.';
    const result = await retriever.retrieve(page(short), 'When does the ferry leave?', options());
    expect(result).toMatchObject({ mode: 'all', cacheHit: false, embeddedPassages: 0 });
    expect(result.passages.map((p) => p.text)).toEqual([short]);
    expect(load).not.toHaveBeenCalled();
  });

  test('reports embedding progress up to the total', async () => {
    const { retriever } = setup(fakeEmbedder().embedder);
    const onEmbed = vi.fn();
    await retriever.retrieve(page(LONG), 'lamp room', options({ onEmbed }));
    expect(onEmbed).toHaveBeenNthCalledWith(1, 0, PASSAGES.length);
    expect(onEmbed).toHaveBeenLastCalledWith(PASSAGES.length, PASSAGES.length);
    const done = onEmbed.mock.calls.map(([n]) => n as number);
    expect(done).toEqual([...done].sort((a, b) => a - b));
  });

  test('download progress of the embedder reaches the caller', async () => {
    const fake = fakeEmbedder();
    const store = createPageIndexStore({ dbName: `retriever-test-${++databases}` });
    const progress = { files: [], loaded: 5, total: 10 };
    const retriever = createRetriever({
      embedder: async (onProgress) => {
        onProgress?.(progress);
        return fake.embedder;
      },
      store,
    });
    const onDownload = vi.fn();
    await retriever.retrieve(page(LONG), 'lamp room', options({ onDownload }));
    expect(onDownload).toHaveBeenCalledWith(progress);
  });

  test('Stop during embedding rejects as cancelled and keeps the vectors made so far', async () => {
    const fake = fakeEmbedder();
    const { retriever } = setup(fake.embedder);
    const controller = new AbortController();
    const onEmbed = (done: number) => {
      if (done > 0) controller.abort();
    };
    await expect(
      retriever.retrieve(page(LONG), 'lamp room', options({ signal: controller.signal, onEmbed })),
    ).rejects.toMatchObject({ code: 'cancelled' });
    const before = fake.embedded('passage');
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(PASSAGES.length);

    const result = await retriever.retrieve(page(LONG), 'lamp room', options());
    expect(result.embeddedPassages).toBe(PASSAGES.length - before);
    expect(fake.embedded('passage')).toBe(PASSAGES.length);
  });

  test('an aborted signal rejects before any work', async () => {
    const { retriever, load } = setup(fakeEmbedder().embedder);
    const controller = new AbortController();
    controller.abort();
    await expect(
      retriever.retrieve(page(LONG), 'lamp room', options({ signal: controller.signal })),
    ).rejects.toMatchObject({ code: 'cancelled' });
    expect(load).not.toHaveBeenCalled();
  });

  test('when the embedder cannot load, word matches still answer', async () => {
    const store = createPageIndexStore({ dbName: `retriever-test-${++databases}` });
    const failure = new AppError('model-download', 'offline');
    const retriever = createRetriever({ embedder: () => Promise.reject(failure), store });
    const result = await retriever.retrieve(page(LONG), 'Ingrid Solberg lamp room cobalt', options());
    expect(result).toMatchObject({ mode: 'lexical', error: failure, cacheHit: false, embeddedPassages: 0 });
    expect(result.passages.some((p) => p.text.includes('cobalt blue'))).toBe(true);
  });

  test('a Stop while the embedder loads is not mistaken for a failure', async () => {
    const store = createPageIndexStore({ dbName: `retriever-test-${++databases}` });
    const retriever = createRetriever({ embedder: () => Promise.reject(cancelled()), store });
    await expect(retriever.retrieve(page(LONG), 'lamp room', options())).rejects.toMatchObject({
      code: 'cancelled',
    });
  });

  test('the passage holding the selection is returned, whatever the question', async () => {
    const { retriever } = setup(fakeEmbedder().embedder);
    const selection = 'painted the lamp room cobalt blue';
    const result = await retriever.retrieve(page(LONG), 'Why would anyone do that?', options({ selection }));
    expect(result.passages.some((p) => p.text.includes(selection))).toBe(true);
  });

  test('when more passages hold the selection than k, only they are returned', async () => {
    const { retriever } = setup(fakeEmbedder().embedder);
    // The article repeats its sections, so this sentence is in several passages.
    const selection = 'Some winters we sold more bread to the gulls';
    const holding = PASSAGES.filter((p) => p.text.includes(selection));
    expect(holding.length).toBeGreaterThan(3);
    const result = await retriever.retrieve(page(LONG), 'What does this mean?', options({ k: 3, selection }));
    expect(result.passages.length).toBe(3);
    for (const passage of result.passages) expect(passage.text).toContain(selection);
  });

  test('an empty question without selection returns the start of the page', async () => {
    const { retriever } = setup(fakeEmbedder().embedder);
    const result = await retriever.retrieve(page(LONG), '  ', options({ k: 3 }));
    expect(result.passages.map((p) => p.index)).toEqual([0, 1, 2]);
  });

  test('on a huge page only the first passages are embedded; word matches reach the rest', async () => {
    const huge = articleWith(PLANTED, (MAX_EMBEDDED_PASSAGES + 40) * 700, 0.97);
    const total = splitIntoPassages(huge).length;
    expect(total).toBeGreaterThan(MAX_EMBEDDED_PASSAGES);
    const fake = fakeEmbedder();
    const { retriever } = setup(fake.embedder);
    const result = await retriever.retrieve(page(huge), 'Ingrid Solberg cobalt lamp room', options());
    expect(result.embeddedPassages).toBe(MAX_EMBEDDED_PASSAGES);
    expect(result.passages.some((p) => p.text.includes('cobalt blue'))).toBe(true);
    expect(result.passages.some((p) => p.index >= MAX_EMBEDDED_PASSAGES)).toBe(true);
  });

  test('k must be at least 1', async () => {
    const { retriever } = setup(fakeEmbedder().embedder);
    await expect(retriever.retrieve(page(LONG), 'q', options({ k: 0 }))).rejects.toThrow(RangeError);
  });
});

describe('sources', () => {
  test('plain text without heading markers, with index and heading', () => {
    expect(
      toSources([
        { index: 3, text: '## Tourism\n\nVisitors came.', heading: 'Tourism' },
        { index: 7, text: 'No heading here.', heading: null },
      ]),
    ).toEqual([
      { index: 3, text: 'Tourism\n\nVisitors came.', heading: 'Tourism' },
      { index: 7, text: 'No heading here.', heading: null },
    ]);
  });
});
