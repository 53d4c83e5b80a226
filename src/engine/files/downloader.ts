import { sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { AppError, cancelled, diskFull, isCancellation, isQuotaExceeded } from '../../errors';
import type { DownloadProgress } from '../../protocol';
import { yieldToEventLoop } from '../yield';
import { HUB_HOST, type HubFile, type HubModelRef, listModelFiles } from './hub-files';
import { type FileExpectation, joinBytes, type ModelFileStore, type StoredFile } from './model-file-store';

/** Bytes written per IndexedDB transaction: a cut loses at most this much of what was received. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Attempts in a row that bring no new byte before a download gives up (offline, a broken mirror). */
const MAX_STALLED_ATTEMPTS = 3;
/** A file that fails its hash this many times is not a transfer accident: the user is told. */
const MAX_MISMATCHES = 2;
/** Speed is measured over this window, so a pause shows quickly and a burst does not mislead. */
const SPEED_WINDOW_MS = 5_000;
/** Progress events at most this often: each crosses a port to every page watching. */
const PROGRESS_INTERVAL_MS = 200;

export interface DownloaderOptions {
  store: ModelFileStore;
  /** The hub (a stand-in in tests), with a trailing slash. */
  host?: string;
  fetch?: typeof fetch;
  /** `navigator.storage.estimate`, checked before a download starts. */
  estimate?: () => Promise<{ usage?: number; quota?: number }>;
  chunkBytes?: number;
  now?: () => number;
}

export interface EnsureOptions {
  signal?: AbortSignal;
  onProgress?(progress: DownloadProgress): void;
  /** Imported models: their files are checked, never fetched (the hub has no copy of them). */
  offline?: boolean;
}

/** Gets a model's files into the store, resumably and verified, before anything loads them. */
export interface Downloader {
  readonly host: string;
  /**
   * Makes every file the model needs present and verified: files already stored are checked against their
   * hash (once per worker life), missing or partial ones are downloaded from where they stopped, and a
   * file that does not match is deleted and fetched again. Never leaves an unverified file marked usable.
   *
   * @throws AppError `disk-full` when there is not room (before starting, or when a write is refused),
   *   `model-download` when the hub cannot be reached or a file keeps failing its check.
   */
  ensure(model: HubModelRef, options?: EnsureOptions): Promise<void>;
  /** Whether every file of the model is stored and verified (no network, no hashing). */
  isReady(modelId: string): Promise<boolean>;
}

/** Checks stored bytes against what they must be: the exact size, then SHA-256 or the git blob SHA-1. */
export async function matchesExpectation(
  chunks: AsyncIterable<Uint8Array>,
  expected: FileExpectation,
): Promise<boolean> {
  const hash = expected.sha256 ? sha256.create() : expected.gitSha1 ? sha1.create() : null;
  // A git blob id hashes a header before the content.
  if (!expected.sha256 && expected.gitSha1) hash?.update(utf8ToBytes(`blob ${expected.size}\0`));
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    if (size > expected.size) return false;
    hash?.update(chunk);
    // Hashing hundreds of megabytes must not block a Stop or the keepalive.
    await yieldToEventLoop();
  }
  if (size !== expected.size) return false;
  if (!hash) return true;
  return bytesToHex(hash.digest()) === (expected.sha256 ?? expected.gitSha1)?.toLowerCase();
}

const MB = 1_000_000;

/** The `disk-full` error for a download that would not fit, with the figures. */
export function notEnoughSpace(
  name: string,
  needed: number,
  free: number,
  verb: 'download' | 'import' = 'download',
): AppError {
  return new AppError(
    'disk-full',
    `Not enough disk space to ${verb} ${name}: it needs ${Math.ceil(needed / MB)} MB more and ${Math.floor(
      Math.max(0, free) / MB,
    )} MB are free. Free some space (or delete a model in Settings), then try again.`,
  );
}

function sameExpectation(a: FileExpectation, b: FileExpectation): boolean {
  return a.size === b.size && a.sha256 === b.sha256 && a.gitSha1 === b.gitSha1;
}

/** `bytes 100-999/1000` -> start 100, total 1000. */
function parseContentRange(header: string | null): { start: number; total: number } | null {
  const match = /^bytes (\d+)-\d+\/(\d+)$/.exec(header?.trim() ?? '');
  return match ? { start: Number(match[1]), total: Number(match[2]) } : null;
}

/** Creates the downloader over a file store. */
export function createDownloader(options: DownloaderOptions): Downloader {
  const { store } = options;
  const host = options.host ?? HUB_HOST;
  const fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
  const now = options.now ?? (() => Date.now());
  // Files hashed since the worker started: checked once per worker life, not on every load.
  const checked = new Set<string>();

  const manifestFor = async (model: HubModelRef, signal?: AbortSignal): Promise<HubFile[]> => {
    const stored = await store.getManifest(model.id);
    if (stored) return stored.files;
    let files: HubFile[];
    try {
      files = await listModelFiles(host, model, fetchFn, signal);
    } catch (error) {
      if (error instanceof AppError || isCancellation(error)) throw error;
      throw new AppError(
        'model-download',
        `Couldn’t reach Hugging Face to download ${model.name}. Check your connection and try again. (${
          error instanceof Error ? error.message : String(error)
        })`,
        { cause: error },
      );
    }
    await store.putManifest({ modelId: model.id, files });
    return files;
  };

  /** The stored record of a file, checked: an unverified or mismatching one is restarted or resumed. */
  const prepare = async (model: HubModelRef, file: HubFile): Promise<StoredFile> => {
    const record = await store.getFile(file.url);
    if (!record || !sameExpectation(record.expected, file.expected)) {
      return store.resetFile({ url: file.url, modelId: model.id, path: file.path, expected: file.expected });
    }
    if (record.verified && checked.has(file.url)) return record;
    if (record.received === file.expected.size || record.verified) {
      if (await matchesExpectation(store.readChunks(file.url), file.expected)) {
        if (!record.verified) await store.setVerified(file.url, true);
        checked.add(file.url);
        return { ...record, verified: true };
      }
      // Damaged on disk, or a complete download that does not match: it is never loaded.
      return store.resetFile({ url: file.url, modelId: model.id, path: file.path, expected: file.expected });
    }
    if (record.received > file.expected.size) {
      return store.resetFile({ url: file.url, modelId: model.id, path: file.path, expected: file.expected });
    }
    return record;
  };

  const checkSpace = async (model: HubModelRef, needed: number) => {
    if (needed <= 0 || !options.estimate) return;
    const { usage = 0, quota } = await options.estimate();
    if (quota === undefined) return;
    if (quota - usage < needed) throw notEnoughSpace(model.name, needed, quota - usage);
  };

  return {
    host,

    async isReady(modelId) {
      const manifest = await store.getManifest(modelId);
      if (!manifest) return false;
      const records = await Promise.all(manifest.files.map((file) => store.getFile(file.url)));
      return records.every((record) => record?.verified === true);
    },

    async ensure(model, { signal, onProgress, offline = false } = {}) {
      const throwIfStopped = () => {
        if (signal?.aborted) throw cancelled();
      };
      const lost = () =>
        new AppError(
          'model-load',
          `The files of ${model.name} are missing or damaged on this computer. Import the model again, or pick another one in Settings.`,
        );
      if (offline && !(await store.getManifest(model.id))) throw lost();
      const files = await manifestFor(model, signal);
      const records = new Map<string, StoredFile>();
      for (const file of files) {
        throwIfStopped();
        records.set(file.url, await prepare(model, file));
      }
      if (offline && [...records.values()].some((record) => !record.verified)) throw lost();
      const needed = files.reduce(
        (sum, file) => sum + file.expected.size - (records.get(file.url)?.received ?? 0),
        0,
      );
      await checkSpace(model, needed);

      const loaded = new Map(files.map((file) => [file.path, records.get(file.url)?.received ?? 0]));
      const total = files.reduce((sum, file) => sum + file.expected.size, 0);
      const samples: { at: number; bytes: number }[] = [];
      let fetched = 0;
      let lastReport = 0;
      const report = (force = false) => {
        if (!onProgress) return;
        const at = now();
        samples.push({ at, bytes: fetched });
        while (samples.length > 2 && (samples[0]?.at ?? at) < at - SPEED_WINDOW_MS) samples.shift();
        if (!force && at - lastReport < PROGRESS_INTERVAL_MS) return;
        lastReport = at;
        const first = samples[0] ?? { at, bytes: fetched };
        const elapsed = (at - first.at) / 1000;
        const bytesPerSecond = elapsed > 0 ? (fetched - first.bytes) / elapsed : 0;
        const done = [...loaded.values()].reduce((sum, bytes) => sum + bytes, 0);
        onProgress({
          files: files.map((file) => ({
            name: file.path,
            loaded: loaded.get(file.path) ?? 0,
            total: file.expected.size,
          })),
          loaded: done,
          total,
          bytesPerSecond,
          secondsLeft: bytesPerSecond > 0 ? (total - done) / bytesPerSecond : null,
        });
      };
      report(true);

      for (const file of files) {
        let record = records.get(file.url) as StoredFile;
        let mismatches = 0;
        let stalled = 0;
        while (!record.verified) {
          throwIfStopped();
          if (record.received === file.expected.size) {
            if (await matchesExpectation(store.readChunks(file.url), file.expected)) {
              await store.setVerified(file.url, true);
              checked.add(file.url);
              record = { ...record, verified: true };
              break;
            }
            record = await store.resetFile(record);
            loaded.set(file.path, 0);
            if (++mismatches >= MAX_MISMATCHES) {
              throw new AppError(
                'model-download',
                `${file.path} of ${model.name} did not match its checksum after downloading it again, so it was deleted. Try again later.`,
              );
            }
            continue;
          }
          const before = record.received;
          try {
            record = await fetchRest(record, file, (bytes) => {
              fetched += bytes;
              loaded.set(file.path, (loaded.get(file.path) ?? 0) + bytes);
              report();
            });
          } catch (error) {
            if (isCancellation(error) || signal?.aborted) throw cancelled();
            if (error instanceof AppError && error.code === 'disk-full') throw error;
            if (isQuotaExceeded(error)) throw diskFull(error);
            record = (await store.getFile(file.url)) ?? record;
            loaded.set(file.path, record.received);
            stalled = record.received > before ? 0 : stalled + 1;
            if (stalled >= MAX_STALLED_ATTEMPTS) {
              throw error instanceof AppError
                ? error
                : new AppError(
                    'model-download',
                    `Couldn’t download ${model.name} from Hugging Face (${Math.round(
                      record.received / MB,
                    )} of ${Math.round(file.expected.size / MB)} MB of ${file.path} saved; the rest resumes from there). Check your connection and try again. (${
                      error instanceof Error ? error.message : String(error)
                    })`,
                    { cause: error },
                  );
            }
          }
        }
        loaded.set(file.path, file.expected.size);
      }
      report(true);

      /** Fetches the rest of a file from where its stored bytes end, writing as it goes. */
      async function fetchRest(
        start: StoredFile,
        file: HubFile,
        onBytes: (bytes: number) => void,
      ): Promise<StoredFile> {
        let record = start;
        const headers: Record<string, string> =
          record.received > 0 ? { range: `bytes=${record.received}-` } : {};
        const response = await fetchFn(file.url, { headers, signal, cache: 'no-store' });
        if (response.status === 416) {
          // Nothing past our offset: what we hold is the whole file, or not this file at all.
          return record.received === file.expected.size ? record : store.resetFile(record);
        }
        if (response.status === 206) {
          const range = parseContentRange(response.headers.get('content-range'));
          if (!range || range.start !== record.received || range.total !== file.expected.size) {
            await response.body?.cancel();
            return store.resetFile(record);
          }
        } else if (response.status === 200) {
          // The server ignored the Range: the body starts at byte 0.
          if (record.received > 0) record = await store.resetFile(record);
        } else {
          await response.body?.cancel();
          throw new AppError(
            'model-download',
            `Hugging Face answered HTTP ${response.status} for ${file.path} of the model. Try again later.`,
          );
        }
        const reader = response.body?.getReader();
        if (!reader) throw new Error('The response had no body.');
        let buffered: Uint8Array[] = [];
        let bufferedBytes = 0;
        const flush = async () => {
          if (bufferedBytes === 0) return;
          const data = joinBytes(buffered, bufferedBytes);
          buffered = [];
          bufferedBytes = 0;
          record = await store.appendChunk(file.url, data);
        };
        // A Stop must end the download even if the body stream never reports the abort.
        const stopped = new Promise<never>((_, reject) => {
          if (signal?.aborted) reject(cancelled());
          signal?.addEventListener('abort', () => reject(cancelled()), { once: true });
        });
        stopped.catch(() => {});
        try {
          for (;;) {
            const { done, value } = await Promise.race([reader.read(), stopped]);
            if (done) break;
            if (record.received + bufferedBytes + value.byteLength > file.expected.size) {
              // More bytes than the file has: not the file the hub listed. Start it again.
              await reader.cancel();
              return store.resetFile(record);
            }
            buffered.push(value);
            bufferedBytes += value.byteLength;
            onBytes(value.byteLength);
            if (bufferedBytes >= chunkBytes) await flush();
          }
        } finally {
          if (signal?.aborted) void reader.cancel().catch(() => {});
          // Bytes that arrived before a cut are good bytes: keep them, so the resume starts after them.
          await flush();
        }
        if (record.received < file.expected.size) {
          throw new Error(`the connection ended after ${record.received} of ${file.expected.size} bytes`);
        }
        return record;
      }
    },
  };
}
