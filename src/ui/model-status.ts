import { asAppError, type ErrorCode } from '../errors';
import type { Availability } from '../model';
import type { DownloadProgress, EngineInfo, QueueAhead } from '../protocol';

/** A failure as the UI shows it. */
export interface UiError {
  message: string;
  code: ErrorCode;
  /** Whether trying again can help (a download that failed can; an empty page cannot). */
  retryable: boolean;
}

// Retrying cannot change the page's content or the model's limits; everything else may pass. A PDF's
// password is asked for in its own field instead.
const NOT_RETRYABLE: ReadonlySet<ErrorCode> = new Set([
  'unreadable-page',
  'empty-page',
  'too-long',
  'password-required',
  'password-wrong',
]);

/** Any thrown value as the UI shows it. */
export function toUiError(thrown: unknown): UiError {
  const { message, code } = asAppError(thrown);
  return { message, code, retryable: !NOT_RETRYABLE.has(code) };
}

const MB = 1_000_000;

/** Bytes as whole megabytes (decimal, as download sizes are quoted). */
export function formatMegabytes(bytes: number): string {
  return `${Math.round(bytes / MB)} MB`;
}

/** How far the model download is (0..1), or null when there is nothing to show a bar for. */
export function downloadFraction(download: DownloadProgress | null): number | null {
  if (!download || download.total <= 0) return null;
  return Math.min(1, Math.max(0, download.loaded / download.total));
}

/** The status line while the model loads: downloading (with MB) the first time, loading from the cache after. */
export function loadingText(
  download: DownloadProgress | null,
  availability: Availability | undefined,
): string {
  if (!download) return 'Loading the model…';
  const verb = availability === 'available' ? 'Loading' : 'Downloading';
  const amount =
    download.total > 0
      ? `${Math.round(download.loaded / MB)} / ${formatMegabytes(download.total)}`
      : formatMegabytes(download.loaded);
  const speed = download.bytesPerSecond ? ` · ${formatSpeed(download.bytesPerSecond)}` : '';
  const left =
    download.bytesPerSecond && typeof download.secondsLeft === 'number'
      ? ` · ${formatDuration(download.secondsLeft)} left`
      : '';
  return `${verb} the model… ${amount}${speed}${left}`;
}

/** A download speed: one decimal below 10 MB/s, whole numbers above. */
export function formatSpeed(bytesPerSecond: number): string {
  const mbps = bytesPerSecond / MB;
  return `${mbps < 10 ? mbps.toFixed(1) : Math.round(mbps)} MB/s`;
}

/** A time left, as a person says it: `40 s`, `3 min`, `1 h 5 min`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** The status line while a request waits its turn: what the model is busy with, and how far along. */
export function waitingText(ahead: QueueAhead | null): string {
  if (!ahead) return 'Waiting for the assistant…';
  const what = ahead.kind === 'summarize' ? 'summarizing' : 'answering a question about';
  const where = ahead.sameTab ? 'this page' : 'another tab';
  const part = ahead.part ? ` (part ${ahead.part.index} of ${ahead.part.count})` : '';
  return `Waiting: ${what} ${where}${part}`;
}

/** The status line once a run is done: it names the engine that ran, and a fallback if there was one. */
export function doneText(
  engine: Pick<EngineInfo, 'name' | 'fellBackFrom'> | string | null | undefined,
): string {
  const info = typeof engine === 'string' ? { name: engine } : engine;
  if (!info?.name) return 'Done';
  const fallback = info.fellBackFrom ? ` (${info.fellBackFrom.name} failed on this computer)` : '';
  return `Done · ${info.name}${fallback}`;
}

/** What the status says while the worker reads the tab: a PDF's pages as they are read. */
export function readingText(pdfRead: { done: number; total: number } | null): string {
  return pdfRead ? `Reading the PDF… page ${pdfRead.done} of ${pdfRead.total}` : 'Reading the page…';
}
