import 'fake-indexeddb/auto';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createClearEpoch } from '../../../src/chat/clear-epoch';
import {
  contentHash,
  createPageIndexStore,
  type PageIndex,
  pageIndexKey,
} from '../../../src/retrieval/page-index';

let databases = 0;
const freshName = () => `pagewise-index-test-${++databases}`;

async function page(url: string, text: string, vectors = 3): Promise<PageIndex> {
  const hash = await contentHash(text);
  return {
    key: pageIndexKey(url, hash),
    url,
    hash,
    embedderId: 'fake',
    passages: [{ index: 0, text, heading: null }],
    vectors: Array.from({ length: vectors }, (_, i) => Float32Array.from([i, i + 0.5, -i])),
  };
}

describe('content hash and key', () => {
  test('SHA-256 in hex', async () => {
    expect(await contentHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await contentHash('é')).not.toBe(await contentHash('e'));
  });

  test('the key changes with the URL and with the text', async () => {
    const [a, b] = [await contentHash('one'), await contentHash('two')];
    expect(pageIndexKey('https://a.example/', a)).not.toBe(pageIndexKey('https://a.example/', b));
    expect(pageIndexKey('https://a.example/', a)).not.toBe(pageIndexKey('https://b.example/', a));
  });
});

describe('page index store', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  test('a stored page is found again, in memory and after a restart (a new store on the same database)', async () => {
    const dbName = freshName();
    const first = createPageIndexStore({ dbName });
    const index = await page('https://example.org/a', 'Alpha text');
    await first.put(index);
    expect(await first.get(index.key)).toBe(index);
    first.close();

    const restarted = createPageIndexStore({ dbName });
    const found = await restarted.get(index.key);
    expect(found).toEqual(index);
    expect(found?.vectors.map((v) => [...v])).toEqual(index.vectors.map((v) => [...v]));
    expect(await createPageIndexStore({ dbName: freshName() }).get(index.key)).toBeUndefined();
  });

  test('a page with no vectors yet round-trips too', async () => {
    const dbName = freshName();
    const index = await page('https://example.org/empty', 'Nothing embedded', 0);
    await createPageIndexStore({ dbName }).put(index);
    expect(await createPageIndexStore({ dbName }).get(index.key)).toEqual(index);
  });

  test('a new version of a URL replaces the old one', async () => {
    const dbName = freshName();
    const store = createPageIndexStore({ dbName });
    const before = await page('https://example.org/live', 'Version one');
    const after = await page('https://example.org/live', 'Version two');
    await store.put(before);
    await store.put(after);
    const restarted = createPageIndexStore({ dbName });
    expect(await restarted.get(before.key)).toBeUndefined();
    expect(await restarted.get(after.key)).toEqual(after);
  });

  test('beyond the cap the least recently used page is dropped', async () => {
    const dbName = freshName();
    const store = createPageIndexStore({ dbName, maxPages: 3 });
    const pages = await Promise.all([1, 2, 3, 4].map((n) => page(`https://example.org/${n}`, `Page ${n}`)));
    const [one, two, three, four] = pages as [PageIndex, PageIndex, PageIndex, PageIndex];
    await store.put(one);
    await store.put(two);
    await store.put(three);
    // Reading page 1 makes page 2 the least recently used.
    await store.get(one.key);
    await store.put(four);

    const restarted = createPageIndexStore({ dbName, maxPages: 3 });
    expect(await restarted.get(two.key)).toBeUndefined();
    for (const kept of [one, three, four]) expect(await restarted.get(kept.key)).toEqual(kept);
  });

  test('remembered work in progress stays in memory only', async () => {
    const dbName = freshName();
    const store = createPageIndexStore({ dbName });
    const index = await page('https://example.org/partial', 'Half done');
    store.remember(index);
    expect(await store.get(index.key)).toBe(index);
    expect(await createPageIndexStore({ dbName }).get(index.key)).toBeUndefined();
  });

  test('memory holds a few pages; older ones are read back from IndexedDB', async () => {
    const store = createPageIndexStore({ dbName: freshName() });
    const pages = await Promise.all([1, 2, 3, 4, 5].map((n) => page(`https://example.org/m${n}`, `M ${n}`)));
    for (const p of pages) await store.put(p);
    const [oldest] = pages as [PageIndex];
    const found = await store.get(oldest.key);
    expect(found).toEqual(oldest);
    expect(found).not.toBe(oldest);
  });

  test('clear forgets everything', async () => {
    const dbName = freshName();
    const store = createPageIndexStore({ dbName });
    const index = await page('https://example.org/gone', 'Soon gone');
    await store.put(index);
    await store.clear();
    expect(await store.get(index.key)).toBeUndefined();
    expect(await createPageIndexStore({ dbName }).get(index.key)).toBeUndefined();
  });

  test('work begun before a clear stores nothing after it, in memory or on disk; later work does', async () => {
    const dbName = freshName();
    const clearEpoch = createClearEpoch();
    const store = createPageIndexStore({ dbName, clearEpoch });
    const late = await page('https://example.org/late', 'Embedded while the user cleared');
    const since = clearEpoch.current;
    await store.clear();
    store.remember(late, since);
    await store.put(late, since);
    expect(await store.get(late.key)).toBeUndefined();
    expect(await createPageIndexStore({ dbName }).get(late.key)).toBeUndefined();

    await store.put(late, clearEpoch.current);
    expect(await createPageIndexStore({ dbName }).get(late.key)).toEqual(late);
  });

  test('forgetPages drops every version of the matching pages and keeps the others', async () => {
    const dbName = freshName();
    const store = createPageIndexStore({ dbName });
    const gone = await page('https://example.org/gone#top', 'Soon gone');
    const kept = await page('https://example.org/kept', 'Stays');
    await store.put(gone);
    await store.put(kept);
    await store.forgetPages((url) => url.startsWith('https://example.org/gone'));
    expect(await store.get(gone.key)).toBeUndefined();
    expect(await createPageIndexStore({ dbName }).get(gone.key)).toBeUndefined();
    expect(await createPageIndexStore({ dbName }).get(kept.key)).toEqual(kept);
  });

  test('without IndexedDB the store still works from memory', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const store = createPageIndexStore({ dbName: freshName() });
    const index = await page('https://example.org/private', 'Private window');
    await store.put(index);
    expect(await store.get(index.key)).toBe(index);
    await store.clear();
    expect(await store.get(index.key)).toBeUndefined();
  });
});
