import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import { diskFull, isQuotaExceeded } from '../../errors';

/*
 * Model files in IndexedDB, in chunks. A chunk and the file record that counts it are written in one
 * transaction, so the record's `received` is always exactly the bytes stored: a download cut anywhere (a
 * dropped connection, a stopped worker) resumes from there, and no half-written chunk is ever counted.
 * Only a file whose size and hash matched (`verified`) is ever handed to transformers.js.
 */

const DB_VERSION = 1;

/** What a stored file must be, from the hub's metadata (or, for an imported file, from what was read). */
export interface FileExpectation {
  size: number;
  /** Hex SHA-256 of the content (the hub's `lfs.oid`). */
  sha256?: string;
  /** Hex git blob SHA-1 (the hub's `oid` for files not in LFS). */
  gitSha1?: string;
}

/** One stored file: where it came from, what it must be, and how much of it is here. */
export interface StoredFile {
  /** The file's hub URL (or `imported/…` URL): the key transformers.js asks the cache for. */
  url: string;
  /** The registry id of the model it belongs to. */
  modelId: string;
  /** Path inside the model's repository (`onnx/model_quantized.onnx`). */
  path: string;
  expected: FileExpectation;
  /** Bytes stored so far, in `chunks` chunks. */
  received: number;
  chunks: number;
  /** Every byte is here and matched `expected`. */
  verified: boolean;
}

/** The files a model needs, as the hub listed them; kept so a later load needs no network to know them. */
export interface StoredManifest {
  modelId: string;
  files: { path: string; url: string; expected: FileExpectation }[];
}

interface ModelFilesSchema extends DBSchema {
  files: { key: string; value: StoredFile; indexes: { modelId: string } };
  chunks: { key: [string, number]; value: { url: string; index: number; data: Blob } };
  manifests: { key: string; value: StoredManifest };
}

/** Model files kept by the extension, shared by the worker (downloads) and the settings page (imports). */
export interface ModelFileStore {
  getFile(url: string): Promise<StoredFile | undefined>;
  /** Starts (or restarts from zero) a file: any stored bytes of it are dropped. */
  resetFile(file: Omit<StoredFile, 'received' | 'chunks' | 'verified'>): Promise<StoredFile>;
  /** Appends bytes to a file, counted in the same transaction as they are written. */
  appendChunk(url: string, data: Uint8Array): Promise<StoredFile>;
  /** Marks a file checked (or not); an import also records the hash it computed while writing. */
  setVerified(url: string, verified: boolean, expected?: FileExpectation): Promise<void>;
  /** The file's chunks in order. */
  readChunks(url: string): AsyncGenerator<Uint8Array>;
  /** The file's chunks in order, as Blobs (backed by the browser's disk, not memory). */
  readBlobs(url: string): Promise<Blob[]>;
  deleteFile(url: string): Promise<void>;
  /** Every file of a model, and its manifest. */
  deleteModel(modelId: string): Promise<void>;
  filesOfModel(modelId: string): Promise<StoredFile[]>;
  allFiles(): Promise<StoredFile[]>;
  getManifest(modelId: string): Promise<StoredManifest | undefined>;
  putManifest(manifest: StoredManifest): Promise<void>;
  close(): void;
}

/** The IndexedDB database the extension keeps model files in. */
export const MODEL_FILES_DB = 'pagewise-models';

/** Turns the browser's refusal to write for lack of room into the `disk-full` error the user can act on. */
async function writing<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw isQuotaExceeded(error) ? diskFull(error) : error;
  }
}

/** Opens the model file store (`dbName` lets tests use a fresh one each). */
export function createModelFileStore(dbName = MODEL_FILES_DB): ModelFileStore {
  let opened: Promise<IDBPDatabase<ModelFilesSchema>> | undefined;
  const db = () => {
    opened ??= openDB<ModelFilesSchema>(dbName, DB_VERSION, {
      upgrade(database) {
        database.createObjectStore('files', { keyPath: 'url' }).createIndex('modelId', 'modelId');
        database.createObjectStore('chunks', { keyPath: ['url', 'index'] });
        database.createObjectStore('manifests', { keyPath: 'modelId' });
      },
    });
    return opened;
  };
  const chunkRange = (url: string) => IDBKeyRange.bound([url, 0], [url, Number.MAX_SAFE_INTEGER]);

  return {
    async getFile(url) {
      return (await db()).get('files', url);
    },

    async resetFile(file) {
      const record: StoredFile = { ...file, received: 0, chunks: 0, verified: false };
      const tx = (await db()).transaction(['files', 'chunks'], 'readwrite');
      await writing(async () => {
        await tx.objectStore('chunks').delete(chunkRange(file.url));
        await tx.objectStore('files').put(record);
        await tx.done;
      });
      return record;
    },

    async appendChunk(url, data) {
      const tx = (await db()).transaction(['files', 'chunks'], 'readwrite');
      return writing(async () => {
        const files = tx.objectStore('files');
        const file = await files.get(url);
        if (!file) throw new Error(`No download of ${url} is in progress.`);
        // A Blob: Chrome keeps it in its own file, so deleting a model frees the disk at once (inline values
        // wait for a compaction), and reading one back need not load it into memory.
        await tx.objectStore('chunks').put({ url, index: file.chunks, data: new Blob([data as BlobPart]) });
        const next = { ...file, received: file.received + data.byteLength, chunks: file.chunks + 1 };
        await files.put(next);
        await tx.done;
        return next;
      });
    },

    async setVerified(url, verified, expected) {
      const tx = (await db()).transaction('files', 'readwrite');
      const file = await tx.store.get(url);
      if (file) await tx.store.put({ ...file, verified, expected: expected ?? file.expected });
      await tx.done;
    },

    async *readChunks(url) {
      const file = await (await db()).get('files', url);
      // One chunk per transaction: a transaction must not stay open while the caller awaits other work.
      for (let index = 0; index < (file?.chunks ?? 0); index++) {
        const chunk = await (await db()).get('chunks', [url, index]);
        if (!chunk) throw new Error(`Chunk ${index} of ${url} is missing.`);
        yield new Uint8Array(await chunk.data.arrayBuffer());
      }
    },

    async readBlobs(url) {
      const database = await db();
      const file = await database.get('files', url);
      const chunks = await database.getAll('chunks', chunkRange(url));
      if (chunks.length !== (file?.chunks ?? 0)) throw new Error(`Chunks of ${url} are missing.`);
      return chunks.map((chunk) => chunk.data);
    },

    async deleteFile(url) {
      const tx = (await db()).transaction(['files', 'chunks'], 'readwrite');
      await tx.objectStore('chunks').delete(chunkRange(url));
      await tx.objectStore('files').delete(url);
      await tx.done;
    },

    async deleteModel(modelId) {
      const database = await db();
      const urls = await database.getAllKeysFromIndex('files', 'modelId', modelId);
      const tx = database.transaction(['files', 'chunks', 'manifests'], 'readwrite');
      for (const url of urls) {
        await tx.objectStore('chunks').delete(chunkRange(url));
        await tx.objectStore('files').delete(url);
      }
      await tx.objectStore('manifests').delete(modelId);
      await tx.done;
    },

    async filesOfModel(modelId) {
      return (await db()).getAllFromIndex('files', 'modelId', modelId);
    },

    async allFiles() {
      return (await db()).getAll('files');
    },

    async getManifest(modelId) {
      return (await db()).get('manifests', modelId);
    },

    async putManifest(manifest) {
      const database = await db();
      await writing(() => database.put('manifests', manifest));
    },

    close() {
      void opened?.then((database) => database.close());
      opened = undefined;
    },
  };
}

/** Joins the pieces read from a stream into one chunk, as the store writes it. */
function joinBytes(parts: readonly Uint8Array[], total: number): Uint8Array {
  const data = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    data.set(part, offset);
    offset += part.byteLength;
  }
  return data;
}

/** The pieces read from a stream, held until they make a chunk worth one write. */
export interface ChunkBuffer {
  /** Bytes held now. */
  readonly size: number;
  push(piece: Uint8Array): void;
  /** Writes what is held as one chunk (nothing when empty). */
  flush(): Promise<void>;
  /** Forgets what is held, writing nothing. */
  drop(): void;
}

/** Holds stream pieces and hands them to `write` joined, one chunk at a time. */
export function createChunkBuffer(write: (chunk: Uint8Array) => Promise<void>): ChunkBuffer {
  let parts: Uint8Array[] = [];
  let size = 0;
  const drop = () => {
    parts = [];
    size = 0;
  };
  return {
    get size() {
      return size;
    },
    push(piece) {
      parts.push(piece);
      size += piece.byteLength;
    },
    async flush() {
      if (size === 0) return;
      const chunk = joinBytes(parts, size);
      drop();
      await write(chunk);
    },
    drop,
  };
}
