import type { DownloadProgress } from '../../protocol';
import type { HubFile } from './hub-files';

/** Speed is measured over this window, so a pause shows quickly and a burst does not mislead. */
const SPEED_WINDOW_MS = 5_000;
/** Progress events at most this often: each crosses a port to every page watching. */
const PROGRESS_INTERVAL_MS = 200;

/** Running totals for the progress line: bytes per file, and the speed over a short window. */
export function createProgressReporter(
  files: readonly HubFile[],
  startAt: ReadonlyMap<string, number>,
  onProgress: ((progress: DownloadProgress) => void) | undefined,
  now: () => number,
) {
  const loaded = new Map(files.map((file) => [file.path, startAt.get(file.url) ?? 0]));
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
  return {
    report,
    /** Bytes of a file that just arrived over the network. */
    received(file: HubFile, bytes: number) {
      fetched += bytes;
      loaded.set(file.path, (loaded.get(file.path) ?? 0) + bytes);
      report();
    },
    /** What is stored of a file now (after a restart, a cut, or once it is complete). */
    stored(file: HubFile, bytes: number) {
      loaded.set(file.path, bytes);
    },
  };
}
export type ProgressReporter = ReturnType<typeof createProgressReporter>;
