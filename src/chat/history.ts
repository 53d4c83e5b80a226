import { type DBSchema, type IDBPDatabase, type IDBPTransaction, openDB } from 'idb';
import { diskFull, isQuotaExceeded } from '../errors';
import type { Conversation, ConversationSummary, StoredMessage } from '../protocol';
import { MAX_CONVERSATIONS, MAX_HISTORY_BYTES } from '../text/limits';
import { type ClearEpoch, createClearEpoch } from './clear-epoch';

/*
 * In IndexedDB, to outlive the side panel, the worker and browser restarts. `summaries` (a list row and size
 * per chat) is written with `conversations` in every transaction, so listing and the size cap on every save
 * read a few kilobytes instead of up to MAX_HISTORY_BYTES of conversations.
 */

/** Characters of the first question shown to recognise a chat in the history list. */
const PREVIEW_CHARS = 80;

const DB_VERSION = 1;

interface SummaryRecord extends ConversationSummary {
  /** Approximate stored size: the JSON length of the conversation. */
  bytes: number;
}

interface HistorySchema extends DBSchema {
  conversations: {
    key: string;
    value: Conversation;
    // Compound, so the latest chat about a URL is the first entry of a backwards cursor over that URL.
    indexes: { url: [string, number] };
  };
  summaries: {
    key: string;
    value: SummaryRecord;
    indexes: { updatedAt: number };
  };
}

type WriteTransaction = IDBPTransaction<HistorySchema, ['conversations', 'summaries'], 'readwrite'>;

/** Fields of a saved message that may change after it was added (an answer's text as it streams). */
export type MessagePatch = Partial<Omit<StoredMessage, 'id' | 'role'>>;

export interface HistoryStoreOptions {
  /** IndexedDB database name; tests use a fresh one each. */
  dbName?: string;
  /** Most conversations kept (default MAX_CONVERSATIONS). */
  maxConversations?: number;
  /** Approximate most bytes kept, as JSON length (default MAX_HISTORY_BYTES). */
  maxBytes?: number;
  /** Clock for `updatedAt` (milliseconds). */
  now?: () => number;
  /** Shared with the other stores "Clear all" empties; `clear()` bumps it. */
  clearEpoch?: ClearEpoch;
}

/**
 * Saved conversations, one per chat about a page. Every write is one IndexedDB readwrite transaction, so
 * concurrent writers lose nothing. Writes take `since`, the clear epoch their work began in: a write from
 * before the latest `clear()` is skipped (a save returns the conversation unsaved; the others return null).
 * A full disk rejects with the `disk-full` AppError.
 */
export interface HistoryStore {
  /**
   * Inserts or replaces a conversation, stamping `updatedAt`, then deletes the least recently updated others
   * while over the caps (never this one). Returns the conversation as stored.
   */
  save(conversation: Conversation, since?: number): Promise<Conversation>;
  get(id: string): Promise<Conversation | null>;
  /** The most recently updated conversation about `url`, or null. */
  latestForUrl(url: string): Promise<Conversation | null>;
  /** Every conversation, most recently updated first, from the summaries alone (never the full records). */
  list(): Promise<ConversationSummary[]>;
  delete(id: string): Promise<void>;
  /** Deletes every conversation; writes from work begun before it are skipped from the moment it is called. */
  clear(): Promise<void>;
  /**
   * Reads, changes and saves a conversation in one transaction. Null when it no longer exists, or when
   * `change` returns null (nothing is written then).
   */
  update(
    id: string,
    change: (conversation: Conversation) => Conversation | null,
    since?: number,
  ): Promise<Conversation | null>;
  /** Adds a message at the end and saves; null when the conversation no longer exists (deleted meanwhile). */
  appendMessage(id: string, message: StoredMessage, since?: number): Promise<Conversation | null>;
  /**
   * Changes one message and saves (an answer's text while it streams: the caller throttles). Null when the
   * conversation or the message no longer exists.
   */
  updateMessage(
    id: string,
    messageId: string,
    patch: MessagePatch,
    since?: number,
  ): Promise<Conversation | null>;
  /**
   * Removes one message and saves (an answer stopped before its first word). Null when the conversation no
   * longer exists.
   */
  deleteMessage(id: string, messageId: string): Promise<Conversation | null>;
  /** Closes the database connection; a later call opens it again. */
  close(): void;
}

/** A new, unsaved conversation about a page. */
export function newConversation(page: { url: string; title: string }, now = Date.now()): Conversation {
  return {
    id: crypto.randomUUID(),
    url: page.url,
    title: page.title,
    createdAt: now,
    updatedAt: now,
    messages: [],
  };
}

/** A new message, with a fresh id. */
export function newMessage(
  role: StoredMessage['role'],
  content: string,
  fields: Omit<MessagePatch, 'content'> = {},
  now = Date.now(),
): StoredMessage {
  return { ...fields, id: crypto.randomUUID(), role, content, createdAt: now };
}

/** Opens (lazily) the chat history in the IndexedDB database `dbName`. */
export function createHistoryStore(options: HistoryStoreOptions = {}): HistoryStore {
  const {
    dbName = 'pagewise-history',
    maxConversations = MAX_CONVERSATIONS,
    maxBytes = MAX_HISTORY_BYTES,
    now = Date.now,
    clearEpoch = createClearEpoch(),
  } = options;

  let connection: Promise<IDBPDatabase<HistorySchema>> | null = null;
  const close = () => {
    const closing = connection;
    connection = null;
    closing?.then((db) => db.close()).catch(() => {});
  };
  const db = (): Promise<IDBPDatabase<HistorySchema>> => {
    connection ??= openDB<HistorySchema>(dbName, DB_VERSION, {
      upgrade(database) {
        database
          .createObjectStore('conversations', { keyPath: 'id' })
          .createIndex('url', ['url', 'updatedAt']);
        database.createObjectStore('summaries', { keyPath: 'id' }).createIndex('updatedAt', 'updatedAt');
      },
      // A newer version of the extension wants to upgrade the schema: let go so it is not blocked.
      blocking: close,
      // The browser closed the connection (storage cleared): open a new one on the next call.
      terminated: () => {
        connection = null;
      },
    }).catch((error: unknown) => {
      connection = null;
      throw error;
    });
    return connection;
  };

  const writeTransaction = async (): Promise<WriteTransaction> =>
    (await db()).transaction(['conversations', 'summaries'], 'readwrite');

  /**
   * Puts the conversation and its summary, then evicts others until the history is within its caps; skipped
   * (null) when a clear came after `since`. Checked inside the transaction: IndexedDB runs readwrite
   * transactions in the order they were created, so a clear either already ran or deletes this write.
   */
  const write = async (
    tx: WriteTransaction,
    conversation: Conversation,
    since: number | undefined,
  ): Promise<Conversation | null> => {
    if (!clearEpoch.allows(since)) {
      await tx.done;
      return null;
    }
    const stored: Conversation = { ...conversation, updatedAt: now() };
    const conversations = tx.objectStore('conversations');
    const summaries = tx.objectStore('summaries');
    await Promise.all([conversations.put(stored), summaries.put(summaryRecord(stored))]);
    const oldestFirst = await summaries.index('updatedAt').getAll();
    let count = oldestFirst.length;
    let bytes = oldestFirst.reduce((sum, record) => sum + record.bytes, 0);
    const deletions: Promise<void>[] = [];
    for (const record of oldestFirst) {
      if (count <= maxConversations && bytes <= maxBytes) break;
      if (record.id === stored.id) continue;
      deletions.push(conversations.delete(record.id), summaries.delete(record.id));
      count--;
      bytes -= record.bytes;
    }
    await Promise.all([...deletions, tx.done]);
    return stored;
  };

  /** Reads, changes and saves a conversation in one transaction, so concurrent edits cannot lose each other. */
  const modify = (
    id: string,
    change: (conversation: Conversation) => Conversation | null,
    since: number | undefined,
  ): Promise<Conversation | null> =>
    writing(async () => {
      const tx = await writeTransaction();
      const current = await tx.objectStore('conversations').get(id);
      const changed = current ? change(current) : null;
      if (!changed) {
        await tx.done;
        return null;
      }
      return write(tx, changed, since);
    });

  return {
    save(conversation, since) {
      return writing(
        async () => (await write(await writeTransaction(), conversation, since)) ?? conversation,
      );
    },

    async get(id) {
      return (await (await db()).get('conversations', id)) ?? null;
    },

    async latestForUrl(url) {
      const range = IDBKeyRange.bound([url, -Infinity], [url, Infinity]);
      const cursor = await (await db())
        .transaction('conversations')
        .store.index('url')
        .openCursor(range, 'prev');
      return cursor?.value ?? null;
    },

    async list() {
      const oldestFirst = await (await db()).getAllFromIndex('summaries', 'updatedAt');
      return oldestFirst.reverse().map(({ bytes: _bytes, ...summary }) => summary);
    },

    delete(id) {
      return writing(async () => {
        const tx = await writeTransaction();
        await Promise.all([
          tx.objectStore('conversations').delete(id),
          tx.objectStore('summaries').delete(id),
          tx.done,
        ]);
      });
    },

    clear() {
      // Before the first await: a write that starts while the clear waits for the database is already late.
      clearEpoch.bump();
      return writing(async () => {
        const tx = await writeTransaction();
        await Promise.all([
          tx.objectStore('conversations').clear(),
          tx.objectStore('summaries').clear(),
          tx.done,
        ]);
      });
    },

    update: modify,

    appendMessage(id, message, since) {
      return modify(
        id,
        (conversation) => ({ ...conversation, messages: [...conversation.messages, message] }),
        since,
      );
    },

    updateMessage(id, messageId, patch, since) {
      return modify(
        id,
        (conversation) => {
          const index = conversation.messages.findIndex((message) => message.id === messageId);
          const message = conversation.messages[index];
          if (!message) return null;
          const messages = conversation.messages.slice();
          messages[index] = { ...message, ...patch, id: message.id, role: message.role };
          return { ...conversation, messages };
        },
        since,
      );
    },

    deleteMessage(id, messageId) {
      return modify(
        id,
        (conversation) => ({
          ...conversation,
          messages: conversation.messages.filter((message) => message.id !== messageId),
        }),
        undefined,
      );
    },

    close,
  };
}

/** Runs a write; a full disk becomes the `disk-full` error, whose message says what to do. */
async function writing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw isQuotaExceeded(error) ? diskFull(error) : error;
  }
}

function summaryRecord(conversation: Conversation): SummaryRecord {
  return {
    id: conversation.id,
    url: conversation.url,
    title: conversation.title,
    updatedAt: conversation.updatedAt,
    messageCount: conversation.messages.length,
    preview: preview(conversation.messages),
    bytes: JSON.stringify(conversation).length,
  };
}

/** The first question, on one line and shortened at a word boundary (a preset ask may have only a selection). */
function preview(messages: StoredMessage[]): string {
  const first = messages.find((message) => message.role === 'user');
  const text = (first?.content.trim() || first?.selection?.trim() || '').replace(/\s+/g, ' ');
  if (text.length <= PREVIEW_CHARS) return text;
  const space = text.lastIndexOf(' ', PREVIEW_CHARS - 1);
  let cut = space > PREVIEW_CHARS / 2 ? space : PREVIEW_CHARS - 1;
  // Never leave half of a surrogate pair (an emoji) before the ellipsis.
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${text.slice(0, cut).trimEnd()}…`;
}
