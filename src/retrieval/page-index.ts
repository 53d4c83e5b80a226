import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import { type ClearEpoch, createClearEpoch } from '../chat/clear-epoch';
import { MAX_INDEXED_PAGES, PASSAGE_CHARS } from '../text/limits';
import type { Passage } from './passages';

/** One version of a page, cut into passages, with the passages' vectors. */
export interface PageIndex {
  /** From {@link pageIndexKey}: the URL and a hash of the text. */
  key: string;
  url: string;
  /** SHA-256 of the page's text, hex. */
  hash: string;
  /** The embedder that made `vectors` (`Embedder.id`): another one's vectors are useless. */
  embedderId: string;
  passages: Passage[];
  /**
   * Vectors of `passages[0]`, `passages[1]`, ... in order; fewer than the passages while embedding is
   * under way or when the page has more passages than are embedded.
   */
  vectors: Float32Array[];
}

/** Keeps page indexes in memory and in IndexedDB, so a worker restart finds them again. */
export interface PageIndexStore {
  /** The index stored under `key`, from memory or else from IndexedDB, or undefined. */
  get(key: string): Promise<PageIndex | undefined>;
  /**
   * Keeps `index` in memory only: work in progress that a later call may finish. `since` is the clear epoch
   * the work began in: from before the latest clear, nothing is kept.
   */
  remember(index: PageIndex, since?: number): void;
  /**
   * Stores `index` in memory and IndexedDB, replacing other versions of its URL and dropping the least
   * recently used pages beyond the cap; skipped when a clear came after `since`. An IndexedDB failure
   * (quota, private mode) leaves it in memory only.
   */
  put(index: PageIndex, since?: number): Promise<void>;
  /** Forgets every version of the pages whose URL `matches` (memory and IndexedDB): a deleted chat's page. */
  forgetPages(matches: (url: string) => boolean): Promise<void>;
  /** Forgets every page (memory and IndexedDB); writes from work begun before it are skipped from now on. */
  clear(): Promise<void>;
  close(): void;
}

export interface PageIndexStoreOptions {
  /** IndexedDB database name; separate from the chat history's. */
  dbName?: string;
  /** Pages kept in IndexedDB. */
  maxPages?: number;
  /** Shared with the other stores "Clear all" empties; `clear()` bumps it. */
  clearEpoch?: ClearEpoch;
}

/**
 * Bumped whenever passages or vectors would come out differently for the same text (splitting rules,
 * stored layout), so old entries are never read back. The passage size is part of it for the same reason.
 */
const INDEX_FORMAT = `1/${PASSAGE_CHARS}`;

/** Pages held in memory: the one being chatted about plus a couple of tabs the user switches between. */
const MEMORY_PAGES = 3;

const DB_VERSION = 2;

interface StoredPage {
  key: string;
  url: string;
  hash: string;
  embedderId: string;
  passages: Passage[];
  dims: number;
  /** All vectors end to end, `dims` floats each: one buffer clones and stores faster than many. */
  vectors: Float32Array;
}

/** When a page was last read or written, for least-recently-used eviction; small, so cheap to rewrite. */
interface PageUse {
  key: string;
  usedAt: number;
}

interface IndexSchema extends DBSchema {
  pages: { key: string; value: StoredPage; indexes: { url: string } };
  uses: { key: string; value: PageUse; indexes: { usedAt: number } };
}

/** SHA-256 of `text` as hex, through Web Crypto (in the service worker and in Node alike). */
export async function contentHash(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The store key of one version of a page. */
export function pageIndexKey(url: string, hash: string): string {
  return `${INDEX_FORMAT} ${hash} ${url}`;
}

/** Creates a store over the IndexedDB database `dbName` (opened on first use). */
export function createPageIndexStore({
  dbName = 'pagewise-index',
  maxPages = MAX_INDEXED_PAGES,
  clearEpoch = createClearEpoch(),
}: PageIndexStoreOptions = {}): PageIndexStore {
  const memory = new Map<string, PageIndex>();
  let opening: Promise<IDBPDatabase<IndexSchema> | null> | undefined;
  let lastStamp = 0;

  const open = () => {
    opening ??= openDatabase(dbName, () => {
      opening = undefined;
    });
    return opening;
  };

  // Strictly increasing, so two uses in the same millisecond still have an order.
  const stamp = () => {
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    return lastStamp;
  };

  const keep = (index: PageIndex) => {
    memory.delete(index.key);
    memory.set(index.key, index);
    for (const key of memory.keys()) {
      if (memory.size <= MEMORY_PAGES) break;
      memory.delete(key);
    }
  };

  return {
    async get(key) {
      const db = await open();
      const known = memory.get(key);
      if (known) {
        keep(known);
        if (db) await db.put('uses', { key, usedAt: stamp() }).catch(() => {});
        return known;
      }
      if (!db) return undefined;
      const stored = await db.get('pages', key).catch(() => undefined);
      if (!stored) return undefined;
      await db.put('uses', { key, usedAt: stamp() }).catch(() => {});
      const index = fromStored(stored);
      keep(index);
      return index;
    },

    remember(index, since) {
      if (clearEpoch.allows(since)) keep(index);
    },

    async put(index, since) {
      if (!clearEpoch.allows(since)) return;
      keep(index);
      const db = await open();
      if (!db) return;
      try {
        const tx = db.transaction(['pages', 'uses'], 'readwrite');
        const pages = tx.objectStore('pages');
        const uses = tx.objectStore('uses');
        // Inside the transaction: a clear created after it runs after it, and one before it has bumped.
        if (!clearEpoch.allows(since)) {
          memory.delete(index.key);
          await tx.done;
          return;
        }
        // Another version of the same URL can never be asked for again: the page's text has changed.
        for (const key of await pages.index('url').getAllKeys(index.url)) {
          if (key === index.key) continue;
          await pages.delete(key);
          await uses.delete(key);
        }
        await pages.put(toStored(index));
        await uses.put({ key: index.key, usedAt: stamp() });
        let excess = (await pages.count()) - maxPages;
        for (let cursor = await uses.index('usedAt').openCursor(); cursor && excess > 0; excess--) {
          await pages.delete(cursor.value.key);
          await cursor.delete();
          cursor = await cursor.continue();
        }
        await tx.done;
      } catch {
        // Kept in memory: the next worker start embeds the page again, nothing worse.
      }
    },

    async forgetPages(matches) {
      for (const index of [...memory.values()]) if (matches(index.url)) memory.delete(index.key);
      const db = await open();
      if (!db) return;
      const tx = db.transaction(['pages', 'uses'], 'readwrite');
      const gone: Promise<void>[] = [];
      for (let cursor = await tx.objectStore('pages').index('url').openKeyCursor(); cursor; ) {
        if (matches(cursor.key)) {
          gone.push(
            tx.objectStore('pages').delete(cursor.primaryKey),
            tx.objectStore('uses').delete(cursor.primaryKey),
          );
        }
        cursor = await cursor.continue();
      }
      await Promise.all([...gone, tx.done]);
    },

    async clear() {
      clearEpoch.bump();
      memory.clear();
      const db = await open();
      if (!db) return;
      const tx = db.transaction(['pages', 'uses'], 'readwrite');
      await Promise.all([tx.objectStore('pages').clear(), tx.objectStore('uses').clear(), tx.done]);
    },

    close() {
      void opening?.then((db) => db?.close());
      opening = undefined;
    },
  };
}

async function openDatabase(name: string, onClosed: () => void): Promise<IDBPDatabase<IndexSchema> | null> {
  if (typeof indexedDB === 'undefined') return null;
  try {
    return await openDB<IndexSchema>(name, DB_VERSION, {
      upgrade(db) {
        // An index is a cache: on a layout change, start over rather than migrate.
        for (const store of [...db.objectStoreNames]) db.deleteObjectStore(store);
        db.createObjectStore('pages', { keyPath: 'key' }).createIndex('url', 'url');
        db.createObjectStore('uses', { keyPath: 'key' }).createIndex('usedAt', 'usedAt');
      },
      // Another context upgrading the database, or the browser closing it: reopen on next use.
      blocking(_current, _next, event) {
        (event.target as IDBDatabase).close();
        onClosed();
      },
      terminated: onClosed,
    });
  } catch {
    return null;
  }
}

function toStored(index: PageIndex): StoredPage {
  const dims = index.vectors[0]?.length ?? 0;
  const vectors = new Float32Array(dims * index.vectors.length);
  index.vectors.forEach((vector, i) => {
    vectors.set(vector, i * dims);
  });
  const { key, url, hash, embedderId, passages } = index;
  return { key, url, hash, embedderId, passages, dims, vectors };
}

function fromStored(stored: StoredPage): PageIndex {
  const { key, url, hash, embedderId, passages, dims } = stored;
  const count = dims > 0 ? stored.vectors.length / dims : 0;
  const vectors = Array.from({ length: count }, (_, i) => stored.vectors.subarray(i * dims, (i + 1) * dims));
  return { key, url, hash, embedderId, passages, vectors };
}
