import { asAppError, type ErrorCode, errorText } from '../errors';
import { t, uiLocale } from '../i18n';
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

/** Any thrown value as the UI shows it, in the reader's language. */
export function toUiError(thrown: unknown): UiError {
  const { code } = asAppError(thrown);
  return { message: errorText(thrown), code, retryable: !NOT_RETRYABLE.has(code) };
}

const MB = 1_000_000;

/** A number with its unit, as the reader's language writes it (`300 MB`, `300 МБ`, `40 sec`). */
function withUnit(value: number, unit: string, fractionDigits = 0): string {
  return new Intl.NumberFormat(uiLocale().lang, {
    style: 'unit',
    unit,
    unitDisplay: 'short',
    maximumFractionDigits: fractionDigits,
  }).format(value);
}

/** Bytes as whole megabytes (decimal, as download sizes are quoted). */
export function formatMegabytes(bytes: number): string {
  return withUnit(Math.round(bytes / MB), 'megabyte');
}

/** How far the model download is (0..1), or null when there is nothing to show a bar for. */
export function downloadFraction(download: DownloadProgress | null): number | null {
  if (!download || download.total <= 0) return null;
  return Math.min(1, Math.max(0, download.loaded / download.total));
}

/**
 * The status line while the model loads: downloading (with MB) the first time, loading from the cache after,
 * and why it loads again when the engine unloaded it after idle minutes.
 */
export function loadingText(
  download: DownloadProgress | null,
  availability: Availability | undefined,
): string {
  if (!download) return t('status_loading_model');
  const idle = download.reloadAfterIdleMinutes;
  if (idle !== undefined && download.total <= 0) return t('status_loading_again', idle);
  const amount =
    download.total > 0
      ? `${new Intl.NumberFormat(uiLocale().lang).format(Math.round(download.loaded / MB))} / ${formatMegabytes(download.total)}`
      : formatMegabytes(download.loaded);
  const speed = download.bytesPerSecond ? ` · ${formatSpeed(download.bytesPerSecond)}` : '';
  const left =
    download.bytesPerSecond && typeof download.secondsLeft === 'number'
      ? ` · ${t('status_time_left', formatDuration(download.secondsLeft))}`
      : '';
  const details = `${amount}${speed}${left}`;
  if (idle !== undefined) return t('status_loading_again_amount', idle, details);
  return availability === 'available'
    ? t('status_loading_amount', details)
    : t('status_downloading_amount', details);
}

/** A download speed: one decimal below 10 MB/s, whole numbers above. */
export function formatSpeed(bytesPerSecond: number): string {
  const mbps = bytesPerSecond / MB;
  return withUnit(mbps < 10 ? mbps : Math.round(mbps), 'megabyte-per-second', mbps < 10 ? 1 : 0);
}

/** A time left, as a person says it: `40 sec`, `3 min`, `1 hr 5 min`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  if (s < 60) return withUnit(s, 'second');
  const minutes = Math.round(s / 60);
  if (minutes < 60) return withUnit(minutes, 'minute');
  return `${withUnit(Math.floor(minutes / 60), 'hour')} ${withUnit(minutes % 60, 'minute')}`;
}

/** The status line while a request waits its turn: what the model is busy with, and how far along. */
export function waitingText(ahead: QueueAhead | null): string {
  if (!ahead) return t('status_waiting');
  const what =
    ahead.kind === 'summarize'
      ? t(ahead.sameTab ? 'status_waiting_summarize_here' : 'status_waiting_summarize_other')
      : t(ahead.sameTab ? 'status_waiting_answer_here' : 'status_waiting_answer_other');
  return ahead.part ? t('status_waiting_part', what, ahead.part.index, ahead.part.count) : what;
}

/** The status line once a run is done: it names the engine that ran, and a fallback if there was one. */
export function doneText(
  engine: Pick<EngineInfo, 'name' | 'fellBackFrom'> | string | null | undefined,
): string {
  const info = typeof engine === 'string' ? { name: engine } : engine;
  if (!info?.name) return t('status_done');
  return info.fellBackFrom
    ? t('status_done_fallback', info.name, info.fellBackFrom.name)
    : t('status_done_engine', info.name);
}

/** What the status says while the worker reads the tab: a PDF's pages as they are read. */
export function readingText(pdfRead: { done: number; total: number } | null): string {
  return pdfRead ? t('status_reading_pdf', pdfRead.done, pdfRead.total) : t('status_reading');
}
