import { AppError, cancelled, localMessage } from '../../errors';
import type { HubFile } from './hub-files';
import { createChunkBuffer, type ModelFileStore, type StoredFile } from './model-file-store';

// One HTTP Range request for the rest of a file, and its body written into the store a chunk per
// transaction: the two steps of a resume the downloader repeats until a file is complete.

/** `bytes 100-999/1000` -> start 100, total 1000. */
function parseContentRange(header: string | null): { start: number; total: number } | null {
  const match = /^bytes (\d+)-\d+\/(\d+)$/.exec(header?.trim() ?? '');
  return match ? { start: Number(match[1]), total: Number(match[2]) } : null;
}

/** Where a fetch of the rest of a file starts, from the server's answer to the Range asked for. */
export type RangeAnswer =
  | { kind: 'body'; record: StoredFile; reader: ReadableStreamDefaultReader<Uint8Array> }
  | { kind: 'settled'; record: StoredFile };

/** Asks for the rest of a file from where its stored bytes end, and checks that the answer fits them. */
export async function fetchRange(
  fetchFn: typeof fetch,
  store: ModelFileStore,
  start: StoredFile,
  file: HubFile,
  signal?: AbortSignal,
): Promise<RangeAnswer> {
  let record = start;
  const headers: Record<string, string> = record.received > 0 ? { range: `bytes=${record.received}-` } : {};
  const response = await fetchFn(file.url, { headers, signal, cache: 'no-store' });
  if (response.status === 416) {
    // Nothing past our offset: what we hold is the whole file, or not this file at all.
    return {
      kind: 'settled',
      record: record.received === file.expected.size ? record : await store.resetFile(record),
    };
  }
  if (response.status === 206) {
    const range = parseContentRange(response.headers.get('content-range'));
    if (!range || range.start !== record.received || range.total !== file.expected.size) {
      await response.body?.cancel();
      return { kind: 'settled', record: await store.resetFile(record) };
    }
  } else if (response.status === 200) {
    // The server ignored the Range: the body starts at byte 0.
    if (record.received > 0) record = await store.resetFile(record);
  } else {
    await response.body?.cancel();
    throw new AppError('model-download', localMessage('error_hub_http', response.status, file.path));
  }
  const reader = response.body?.getReader();
  if (!reader) throw new Error('The response had no body.');
  return { kind: 'body', record, reader };
}

/**
 * A body that stalls this long has what it brought so far written: a worker stopped while the connection
 * hangs (Chrome stops it as it likes) then loses nothing, not up to a chunk.
 */
const STALL_FLUSH_MS = 1_000;

const STALLED = Symbol('stalled');

/**
 * Reads a body into the store, a chunk per transaction (or less, when the body stalls). Ends on the body's
 * end, a cut, a Stop or a refused write; bytes that arrived before a cut or a Stop are kept, so the resume
 * starts after them.
 */
export async function writeChunks(
  store: ModelFileStore,
  chunkBytes: number,
  start: StoredFile,
  file: HubFile,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  onBytes: (bytes: number) => void,
  signal?: AbortSignal,
): Promise<StoredFile> {
  let record = start;
  const chunk = createChunkBuffer(async (data) => {
    record = await store.appendChunk(file.url, data);
  });
  // A Stop must end the download even if the body stream never reports the abort.
  const stopped = new Promise<never>((_, reject) => {
    if (signal?.aborted) reject(cancelled());
    signal?.addEventListener('abort', () => reject(cancelled()), { once: true });
  });
  stopped.catch(() => {});
  let ended = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stall = () =>
    new Promise<typeof STALLED>((resolve) => {
      timer = setTimeout(() => resolve(STALLED), STALL_FLUSH_MS);
    });
  try {
    let reading: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
    for (;;) {
      if (!reading) {
        reading = reader.read();
        // Handled here: a cut while a stall's flush runs must not be an unhandled rejection meanwhile.
        reading.catch(() => {});
      }
      const next = await Promise.race(chunk.size > 0 ? [reading, stopped, stall()] : [reading, stopped]);
      clearTimeout(timer);
      if (next === STALLED) {
        // The read goes on meanwhile; one flush at a time, from this loop only.
        await chunk.flush();
        continue;
      }
      reading = undefined;
      const { done, value } = next;
      if (done) {
        ended = true;
        break;
      }
      if (record.received + chunk.size + value.byteLength > file.expected.size) {
        // More bytes than the file has: not the file the hub listed. Start it again, keeping none of it.
        ended = true;
        chunk.drop();
        await reader.cancel();
        return await store.resetFile(record);
      }
      chunk.push(value);
      onBytes(value.byteLength);
      if (chunk.size >= chunkBytes) await chunk.flush();
    }
  } finally {
    // Whatever ended the read (a Stop, a refused write), the connection is closed: no byte more comes.
    if (!ended) void reader.cancel().catch(() => {});
    await chunk.flush();
  }
  return record;
}
