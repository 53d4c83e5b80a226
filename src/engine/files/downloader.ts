import { createSHA1, createSHA256 } from 'hash-wasm';
import { AppError, cancelled, diskFull, isCancellation, isQuotaExceeded, localMessage } from '../../errors';
import type { DownloadProgress } from '../../protocol';
import { yieldToEventLoop } from '../yield';
import { type CheckedFiles, createCheckedFiles } from './checked-files';
import { createProgressReporter, type ProgressReporter } from './download-progress';
import { HUB_HOST, type HubFile, type HubModelRef, listModelFiles } from './hub-files';
import type { FileExpectation, ModelFileStore, StoredFile } from './model-file-store';
import { fetchRange, writeChunks } from './range-read';

/** Bytes written per IndexedDB transaction: a cut loses at most this much of what was received. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Attempts in a row that bring no new byte before a download gives up (offline, a broken mirror). */
const MAX_STALLED_ATTEMPTS = 3;
/** A file that fails its hash this many times is not a transfer accident: the user is told. */
const MAX_MISMATCHES = 2;

export interface DownloaderOptions {
  store: ModelFileStore;
  /** The hub (a stand-in in tests), with a trailing slash. */
  host?: string;
  fetch?: typeof fetch;
  /** `navigator.storage.estimate`, checked before a download starts. */
  estimate?: () => Promise<{ usage?: number; quota?: number }>;
  chunkBytes?: number;
  now?: () => number;
  /** Which files were hashed in this browser session (`storage.session` unless given). */
  checked?: CheckedFiles;
}

export interface EnsureOptions {
  signal?: AbortSignal;
  onProgress?(progress: DownloadProgress): void;
  /** Imported models: their files are checked, never fetched (the hub has no copy of them). */
  offline?: boolean;
  /** Hashes every stored file again, checked in this session or not: a load of them failed. */
  recheck?: boolean;
}

/** Gets a model's files into the store, resumably and verified, before anything loads them. */
export interface Downloader {
  readonly host: string;
  /**
   * Makes every file the model needs present and verified: files already stored are checked against their
   * hash (once per browser session, or again with `recheck`), missing or partial ones are downloaded from
   * where they stopped, and a file that does not match is deleted and fetched again. Never leaves an
   * unverified file marked usable.
   *
   * @throws AppError `disk-full` when there is not room (before starting, or when a write is refused),
   *   `model-download` when the hub cannot be reached or a file keeps failing its check.
   */
  ensure(model: HubModelRef, options?: EnsureOptions): Promise<void>;
  /** Whether every file of the model is stored and verified (no network, no hashing). */
  isReady(modelId: string): Promise<boolean>;
}

/**
 * Checks stored bytes against what they must be: the exact size, then SHA-256 or the git blob SHA-1.
 * hash-wasm, streamed: measured in Chromium at 180 MB/s against 165 for @noble/hashes; `crypto.subtle`
 * (366 MB/s) cannot stream, and would hold a whole 1 GB file in memory to hash it (issue 19).
 */
export async function matchesExpectation(
  chunks: AsyncIterable<Uint8Array>,
  expected: FileExpectation,
): Promise<boolean> {
  const hash = expected.sha256 ? await createSHA256() : expected.gitSha1 ? await createSHA1() : null;
  hash?.init();
  // A git blob id hashes a header before the content.
  if (!expected.sha256 && expected.gitSha1) hash?.update(`blob ${expected.size}\0`);
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
  return hash.digest('hex') === (expected.sha256 ?? expected.gitSha1)?.toLowerCase();
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
    localMessage(
      verb === 'import' ? 'error_disk_space_import' : 'error_disk_space',
      name,
      Math.ceil(needed / MB),
      Math.floor(Math.max(0, free) / MB),
    ),
  );
}

function sameExpectation(a: FileExpectation, b: FileExpectation): boolean {
  return a.size === b.size && a.sha256 === b.sha256 && a.gitSha1 === b.gitSha1;
}

/** A file's expected facts and where its stored copy stands, as a download goes on. */
interface FileState {
  file: HubFile;
  record: StoredFile;
}

/** Creates the downloader over a file store. */
export function createDownloader(options: DownloaderOptions): Downloader {
  const { store } = options;
  const host = options.host ?? HUB_HOST;
  const fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
  const now = options.now ?? (() => Date.now());
  // Files hashed since the browser started: checked once per browser session, not on every worker start.
  const checked = options.checked ?? createCheckedFiles();

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
        localMessage(
          'error_hub_unreachable',
          model.name,
          error instanceof Error ? error.message : String(error),
        ),
        { cause: error },
      );
    }
    await store.putManifest({ modelId: model.id, files });
    return files;
  };

  const restart = (model: HubModelRef, file: HubFile) =>
    store.resetFile({ url: file.url, modelId: model.id, path: file.path, expected: file.expected });

  /** Marks a complete file verified if its bytes match; false (and nothing marked) if they do not. */
  const verify = async (file: HubFile, record: StoredFile): Promise<boolean> => {
    if (!(await matchesExpectation(store.readChunks(file.url), file.expected))) return false;
    if (!record.verified) await store.setVerified(file.url, true);
    await checked.add(file.url, file.expected);
    return true;
  };

  /** The resume point of a file: its stored record, checked; an unverified or mismatching one restarts. */
  const resumePoint = async (model: HubModelRef, file: HubFile): Promise<StoredFile> => {
    const record = await store.getFile(file.url);
    if (!record || !sameExpectation(record.expected, file.expected)) return restart(model, file);
    if (record.verified && (await checked.has(file.url, file.expected))) return record;
    if (record.received === file.expected.size || record.verified) {
      // Damaged on disk, or a complete download that does not match: it is never loaded.
      return (await verify(file, record)) ? { ...record, verified: true } : restart(model, file);
    }
    if (record.received > file.expected.size) return restart(model, file);
    return record;
  };

  /** Every file the model needs, with where its stored copy stands. */
  const plan = async (model: HubModelRef, signal?: AbortSignal): Promise<FileState[]> => {
    const files = await manifestFor(model, signal);
    const states: FileState[] = [];
    for (const file of files) {
      if (signal?.aborted) throw cancelled();
      states.push({ file, record: await resumePoint(model, file) });
    }
    return states;
  };

  const checkSpace = async (model: HubModelRef, needed: number) => {
    if (needed <= 0 || !options.estimate) return;
    const { usage = 0, quota } = await options.estimate();
    if (quota === undefined) return;
    if (quota - usage < needed) throw notEnoughSpace(model.name, needed, quota - usage);
  };

  /** Fetches the rest of a file from where its stored bytes end, writing as it goes. */
  const fetchRest = async (
    start: StoredFile,
    file: HubFile,
    progress: ProgressReporter,
    signal?: AbortSignal,
  ): Promise<StoredFile> => {
    const answer = await fetchRange(fetchFn, store, start, file, signal);
    if (answer.kind === 'settled') return answer.record;
    const record = await writeChunks(
      store,
      chunkBytes,
      answer.record,
      file,
      answer.reader,
      (bytes) => progress.received(file, bytes),
      signal,
    );
    if (record.received < file.expected.size) {
      throw new Error(`the connection ended after ${record.received} of ${file.expected.size} bytes`);
    }
    return record;
  };

  /**
   * Brings one file to verified: resumes it until it is complete, then checks its hash; a mismatch starts it
   * again (twice at most), a fetch that brings nothing new three times in a row gives up.
   */
  const complete = async (
    model: HubModelRef,
    { file, record: start }: FileState,
    progress: ProgressReporter,
    signal?: AbortSignal,
  ): Promise<void> => {
    let record = start;
    let mismatches = 0;
    let stalled = 0;
    while (!record.verified) {
      if (signal?.aborted) throw cancelled();
      if (record.received === file.expected.size) {
        if (await verify(file, record)) break;
        record = await store.resetFile(record);
        progress.stored(file, 0);
        if (++mismatches >= MAX_MISMATCHES) {
          throw new AppError('model-download', localMessage('error_checksum', file.path, model.name));
        }
        continue;
      }
      const before = record.received;
      try {
        record = await fetchRest(record, file, progress, signal);
      } catch (error) {
        if (isCancellation(error) || signal?.aborted) throw cancelled();
        if (error instanceof AppError && error.code === 'disk-full') throw error;
        if (isQuotaExceeded(error)) throw diskFull(error);
        record = (await store.getFile(file.url)) ?? record;
        progress.stored(file, record.received);
        stalled = record.received > before ? 0 : stalled + 1;
        if (stalled >= MAX_STALLED_ATTEMPTS) throw gaveUp(model, file, record, error);
      }
    }
    progress.stored(file, file.expected.size);
  };

  return {
    host,

    async isReady(modelId) {
      const manifest = await store.getManifest(modelId);
      if (!manifest) return false;
      const records = await Promise.all(manifest.files.map((file) => store.getFile(file.url)));
      return records.every((record) => record?.verified === true);
    },

    async ensure(model, { signal, onProgress, offline = false, recheck = false } = {}) {
      const lost = () => new AppError('model-load', localMessage('error_files_damaged', model.name));
      const manifest = await store.getManifest(model.id);
      if (offline && !manifest) throw lost();
      if (recheck && manifest) await checked.forget(manifest.files.map((file) => file.url));
      const states = await plan(model, signal);
      if (offline && states.some(({ record }) => !record.verified)) throw lost();
      await checkSpace(
        model,
        states.reduce((sum, { file, record }) => sum + file.expected.size - record.received, 0),
      );
      const progress = createProgressReporter(
        states.map(({ file }) => file),
        new Map(states.map(({ file, record }) => [file.url, record.received])),
        onProgress,
        now,
      );
      progress.report(true);
      for (const state of states) await complete(model, state, progress, signal);
      progress.report(true);
    },
  };
}

/** The error for a file that stopped coming in, saying how much of it is kept for the next try. */
function gaveUp(model: HubModelRef, file: HubFile, record: StoredFile, error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError(
    'model-download',
    localMessage(
      'error_download_cut',
      model.name,
      Math.round(record.received / MB),
      Math.round(file.expected.size / MB),
      file.path,
      error instanceof Error ? error.message : String(error),
    ),
    { cause: error },
  );
}
