import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, test } from 'vitest';
import { createClearEpoch } from '../../../src/chat/clear-epoch';
import {
  createHistoryStore,
  type HistoryStore,
  type HistoryStoreOptions,
  newConversation,
  newMessage,
} from '../../../src/chat/history';
import type { Conversation } from '../../../src/protocol';

const opened: HistoryStore[] = [];
let dbCounter = 0;

afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

/** A store over a fresh database, with a clock that ticks one millisecond per reading. */
function setup(options: Omit<HistoryStoreOptions, 'dbName' | 'now'> = {}) {
  const dbName = `history-test-${++dbCounter}`;
  let time = 1_000;
  const now = () => ++time;
  const open = () => {
    const store = createHistoryStore({ ...options, dbName, now });
    opened.push(store);
    return store;
  };
  return { dbName, store: open(), reopen: open };
}

/** A chat about `url` whose first question is `question`, answered once. */
function chat(url: string, question: string, answer = 'An answer.'): Conversation {
  const conversation = newConversation({ url, title: `Title of ${url}` }, 1);
  conversation.messages.push(newMessage('user', question, {}, 1), newMessage('assistant', answer, {}, 2));
  return conversation;
}

describe('saving and reading', () => {
  test('a saved conversation reads back equal, with updatedAt stamped', async () => {
    const { store } = setup();
    const conversation = chat('https://a.example/', 'What is this?');
    const saved = await store.save(conversation);
    expect(saved.updatedAt).toBeGreaterThan(conversation.updatedAt);
    expect(await store.get(conversation.id)).toEqual(saved);
    expect(await store.get('missing')).toBeNull();
  });

  test('new ids are unique UUIDs', () => {
    const a = newConversation({ url: 'u', title: 't' });
    const b = newMessage('user', 'q');
    expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.id).not.toBe(newConversation({ url: 'u', title: 't' }).id);
    expect(b.id).not.toBe(a.id);
  });

  test('list() gives summaries newest first, with the first question as preview', async () => {
    const { store } = setup();
    const first = await store.save(chat('https://a.example/', 'First question?'));
    const second = await store.save(chat('https://b.example/', 'Second question?'));
    await store.save({ ...first, title: 'Renamed' });
    expect(await store.list()).toEqual([
      {
        id: first.id,
        url: 'https://a.example/',
        title: 'Renamed',
        updatedAt: expect.any(Number),
        messageCount: 2,
        preview: 'First question?',
      },
      expect.objectContaining({ id: second.id, preview: 'Second question?' }),
    ]);
  });

  test.each([
    ['a short question', 'Why?', 'Why?'],
    ['line breaks and runs of spaces', '  What   is\n\nthis   about? ', 'What is this about?'],
    ['a long question, cut at a word', `${'word '.repeat(30)}end`, `${'word '.repeat(16).trimEnd()}…`],
    ['one long word, cut inside it', 'x'.repeat(200), `${'x'.repeat(79)}…`],
    ['an emoji at the cut', `${'x'.repeat(78)}🐝🐝`, `${'x'.repeat(78)}…`],
  ])('preview of %s', async (_, question, expected) => {
    const { store } = setup();
    await store.save(chat('https://a.example/', question));
    const [summary] = await store.list();
    expect(summary?.preview).toBe(expected);
    expect(summary?.preview.length).toBeLessThanOrEqual(80);
  });

  test('a preset ask with no typed question is previewed by its selection', async () => {
    const { store } = setup();
    const conversation = newConversation({ url: 'https://a.example/', title: 'A' });
    conversation.messages.push(newMessage('user', '', { selection: 'photosynthesis' }));
    await store.save(conversation);
    expect((await store.list())[0]?.preview).toBe('photosynthesis');
  });

  test('latestForUrl() gives the most recently updated chat about that exact URL', async () => {
    const { store } = setup();
    const older = await store.save(chat('https://a.example/page', 'Old?'));
    const newer = await store.save(chat('https://a.example/page', 'New?'));
    await store.save(chat('https://a.example/other', 'Other?'));
    expect((await store.latestForUrl('https://a.example/page'))?.id).toBe(newer.id);
    await store.appendMessage(older.id, newMessage('user', 'Back to this one'));
    expect((await store.latestForUrl('https://a.example/page'))?.id).toBe(older.id);
    expect(await store.latestForUrl('https://a.example/')).toBeNull();
  });
});

describe('changing messages', () => {
  test('appendMessage() adds at the end and bumps updatedAt', async () => {
    const { store } = setup();
    const saved = await store.save(chat('https://a.example/', 'Q1'));
    const question = newMessage('user', 'Q2');
    const updated = await store.appendMessage(saved.id, question);
    expect(updated?.messages.map((m) => m.content)).toEqual(['Q1', 'An answer.', 'Q2']);
    expect(updated?.updatedAt).toBeGreaterThan(saved.updatedAt);
    expect(await store.get(saved.id)).toEqual(updated);
    expect((await store.list())[0]?.messageCount).toBe(3);
  });

  test('updateMessage() patches one message, keeping its id and role', async () => {
    const { store } = setup();
    const saved = await store.save(chat('https://a.example/', 'Q1'));
    const answer = newMessage('assistant', '');
    await store.appendMessage(saved.id, answer);
    await store.updateMessage(saved.id, answer.id, { content: 'Partial' });
    const done = await store.updateMessage(saved.id, answer.id, {
      content: 'Partial answer, finished.',
      status: 'complete',
      sources: [{ index: 3, text: 'A passage.', heading: null }],
    });
    expect(done?.messages.at(-1)).toEqual({
      ...answer,
      content: 'Partial answer, finished.',
      status: 'complete',
      sources: [{ index: 3, text: 'A passage.', heading: null }],
    });
    expect(await store.get(saved.id)).toEqual(done);
  });

  test('deleteMessage() removes one message', async () => {
    const { store } = setup();
    const saved = await store.save(chat('https://a.example/', 'Q1'));
    const empty = newMessage('assistant', '');
    await store.appendMessage(saved.id, newMessage('user', 'Q2'));
    await store.appendMessage(saved.id, empty);
    const after = await store.deleteMessage(saved.id, empty.id);
    expect(after?.messages.map((m) => m.content)).toEqual(['Q1', 'An answer.', 'Q2']);
    expect(await store.get(saved.id)).toEqual(after);
    expect((await store.list())[0]?.messageCount).toBe(3);
  });

  test('concurrent appends both land', async () => {
    const { store } = setup();
    const saved = await store.save(chat('https://a.example/', 'Q1'));
    await Promise.all([
      store.appendMessage(saved.id, newMessage('user', 'Q2')),
      store.appendMessage(saved.id, newMessage('assistant', 'A2')),
    ]);
    expect((await store.get(saved.id))?.messages).toHaveLength(4);
  });

  test('changes to a deleted conversation or message answer null and create nothing', async () => {
    const { store } = setup();
    const saved = await store.save(chat('https://a.example/', 'Q1'));
    expect(await store.updateMessage(saved.id, 'no-such-message', { content: 'x' })).toBeNull();
    await store.delete(saved.id);
    expect(await store.appendMessage(saved.id, newMessage('user', 'Q2'))).toBeNull();
    expect(await store.updateMessage(saved.id, saved.messages[0]?.id ?? '', { content: 'x' })).toBeNull();
    expect(await store.deleteMessage(saved.id, saved.messages[0]?.id ?? '')).toBeNull();
    expect(await store.list()).toEqual([]);
  });
});

describe('deleting', () => {
  test('delete() removes one conversation', async () => {
    const { store } = setup();
    const kept = await store.save(chat('https://a.example/', 'Keep'));
    const gone = await store.save(chat('https://b.example/', 'Delete'));
    await store.delete(gone.id);
    expect(await store.get(gone.id)).toBeNull();
    expect(await store.latestForUrl('https://b.example/')).toBeNull();
    expect((await store.list()).map((s) => s.id)).toEqual([kept.id]);
  });

  test('clear() leaves nothing of any conversation readable, even through a new connection', async () => {
    const { store, reopen, dbName } = setup();
    const saved = await Promise.all([
      store.save(chat('https://a.example/', 'Secret one')),
      store.save(chat('https://b.example/', 'Secret two')),
    ]);
    await store.clear();
    store.close();

    const again = reopen();
    expect(await again.list()).toEqual([]);
    for (const { id, url } of saved) {
      expect(await again.get(id)).toBeNull();
      expect(await again.latestForUrl(url)).toBeNull();
    }
    again.close();

    // Read the database directly, every store, not only through the API.
    const raw = await openDB(dbName);
    try {
      for (const name of raw.objectStoreNames) expect(await raw.getAll(name)).toEqual([]);
      expect(raw.objectStoreNames.length).toBeGreaterThan(0);
    } finally {
      raw.close();
    }
  });
});

describe('the clear epoch', () => {
  test('writes from work begun before a clear are skipped; writes begun after it land', async () => {
    const clearEpoch = createClearEpoch();
    const { store } = setup({ clearEpoch });
    const kept = await store.save(chat('https://example.org/a', 'Before?'));
    const since = clearEpoch.current;
    await store.clear();
    // An answer that began before the clear, trying to write back after it.
    await store.save(kept, since);
    expect(await store.appendMessage(kept.id, newMessage('assistant', 'Late.'), since)).toBeNull();
    expect(await store.list()).toEqual([]);
    expect(await store.get(kept.id)).toBeNull();

    await store.save(kept, clearEpoch.current);
    expect((await store.list()).map((c) => c.id)).toEqual([kept.id]);
  });

  test('a clear counts from the moment it is called, before it reaches the database', async () => {
    const clearEpoch = createClearEpoch();
    const { store } = setup({ clearEpoch });
    const since = clearEpoch.current;
    const clearing = store.clear();
    const save = store.save(chat('https://example.org/b', 'Racing?'), since);
    await Promise.all([clearing, save]);
    expect(await store.list()).toEqual([]);
  });
});

describe('surviving a restart', () => {
  test('a new store over the same database sees everything saved', async () => {
    const { store, reopen } = setup();
    const saved = await store.save(chat('https://a.example/', 'Will I persist?'));
    const answer = newMessage('assistant', 'Streaming…');
    await store.appendMessage(saved.id, answer);
    const last = await store.updateMessage(saved.id, answer.id, {
      content: 'Cut off',
      status: 'interrupted',
    });
    store.close();

    const again = reopen();
    expect(await again.get(saved.id)).toEqual(last);
    expect(await again.latestForUrl('https://a.example/')).toEqual(last);
    expect((await again.list()).map((s) => s.id)).toEqual([saved.id]);
  });
});

describe('storage caps', () => {
  test('over maxConversations, the least recently updated are evicted first', async () => {
    const { store } = setup({ maxConversations: 3 });
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push((await store.save(chat(`https://x.example/${n}`, `Q${n}`))).id);
    // Touch the oldest: it is now the most recent, and #2 becomes the oldest.
    await store.appendMessage(ids[0] as string, newMessage('user', 'again'));
    const fourth = await store.save(chat('https://x.example/4', 'Q4'));
    expect((await store.list()).map((s) => s.id)).toEqual([fourth.id, ids[0], ids[2]]);
    expect(await store.get(ids[1] as string)).toBeNull();
  });

  test('over maxBytes, the oldest are evicted until the rest fits', async () => {
    const size = JSON.stringify(
      await setup().store.save(chat('https://x.example/0', 'Q', 'a'.repeat(1_000))),
    ).length;
    const { store } = setup({ maxBytes: Math.floor(size * 2.5) });
    const saved: Conversation[] = [];
    for (const n of [1, 2, 3, 4])
      saved.push(await store.save(chat(`https://x.example/${n}`, 'Q', 'a'.repeat(1_000))));
    expect((await store.list()).map((s) => s.id)).toEqual([saved[3]?.id, saved[2]?.id]);
  });

  test('the conversation being saved is never evicted, even alone over the cap', async () => {
    const { store } = setup({ maxBytes: 500, maxConversations: 1 });
    const small = await store.save(chat('https://x.example/small', 'Q'));
    const huge = await store.save(chat('https://x.example/huge', 'Q', 'a'.repeat(5_000)));
    expect((await store.list()).map((s) => s.id)).toEqual([huge.id]);
    expect(await store.get(small.id)).toBeNull();
    // Growing it further (as a streamed answer does) still keeps it.
    const answer = huge.messages[1]?.id as string;
    expect(await store.updateMessage(huge.id, answer, { content: 'b'.repeat(10_000) })).not.toBeNull();
    expect((await store.get(huge.id))?.messages[1]?.content).toHaveLength(10_000);
  });
});

describe('a history of thousands of chats', () => {
  test('3,000 chats: list returns every one from the summaries, newest first, and clear deletes all', async () => {
    const COUNT = 3_000;
    const { store, dbName } = setup({ maxConversations: COUNT + 1, maxBytes: Number.POSITIVE_INFINITY });
    // Seeded straight into the stores in one transaction: 3,000 saves one by one would only test the setup.
    await store.list();
    const db = await openDB(dbName);
    const tx = db.transaction(['conversations', 'summaries'], 'readwrite');
    for (let i = 0; i < COUNT; i++) {
      const conversation = { ...chat(`https://example.org/${i}`, `Question ${i}?`), updatedAt: i };
      void tx.objectStore('conversations').put(conversation);
      void tx.objectStore('summaries').put({
        id: conversation.id,
        url: conversation.url,
        title: conversation.title,
        updatedAt: i,
        messageCount: 2,
        preview: `Question ${i}?`,
        bytes: JSON.stringify(conversation).length,
      });
    }
    await tx.done;
    db.close();

    // list() must read the small summaries, never a full record.
    const getAll = IDBObjectStore.prototype.getAll;
    const readStores = new Set<string>();
    IDBObjectStore.prototype.getAll = function (this: IDBObjectStore, ...args) {
      readStores.add(this.name);
      return getAll.apply(this, args);
    };
    const IndexGetAll = IDBIndex.prototype.getAll;
    IDBIndex.prototype.getAll = function (this: IDBIndex, ...args) {
      readStores.add(this.objectStore.name);
      return IndexGetAll.apply(this, args);
    };
    let list: Awaited<ReturnType<HistoryStore['list']>>;
    const started = performance.now();
    try {
      list = await store.list();
    } finally {
      IDBObjectStore.prototype.getAll = getAll;
      IDBIndex.prototype.getAll = IndexGetAll;
    }
    const listMs = performance.now() - started;
    expect(list).toHaveLength(COUNT);
    expect(list[0]?.preview).toBe(`Question ${COUNT - 1}?`);
    expect(list.at(-1)?.preview).toBe('Question 0?');
    expect(readStores).toEqual(new Set(['summaries']));

    // A save over 3,000 others still fits and evicts nothing.
    const saveStarted = performance.now();
    await store.save(chat('https://example.org/new', 'One more?'));
    const saveMs = performance.now() - saveStarted;
    expect(await store.list()).toHaveLength(COUNT + 1);

    const clearStarted = performance.now();
    await store.clear();
    const clearMs = performance.now() - clearStarted;
    expect(await store.list()).toEqual([]);
    const check = await openDB(dbName);
    expect(await check.count('conversations')).toBe(0);
    expect(await check.count('summaries')).toBe(0);
    check.close();
    console.log(
      `[history] ${COUNT} chats: list ${listMs.toFixed(0)} ms, a save ${saveMs.toFixed(0)} ms, clear ${clearMs.toFixed(0)} ms`,
    );
  });
});
