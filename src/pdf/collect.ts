import type { PdfPageStart, PdfPagesRead } from '../protocol';
import { cutAtWord } from '../text/blocks';
import { pdfScanned } from './messages';

/** A PDF's text as the model reads it, with the page each part comes from. */
export interface PdfText {
  /** Pages in order, separated by a blank line; pages with no text are left out. */
  text: string;
  /** Where each page's text starts in `text`, in order. */
  pageStarts: PdfPageStart[];
  pageCount: number;
  /** Whether the text was cut at `maxChars`: the pages after it were never read. */
  truncated: boolean;
}

export interface CollectOptions {
  /** Most characters kept; reading stops there, so a 1,000-page PDF costs what its first pages cost. */
  maxChars: number;
  /** Pages asked for at once (each answer is one message). */
  pagesPerRead?: number;
  /** Pages read so far, of all. */
  onProgress?(pagesRead: number, pageCount: number): void;
  signal?: AbortSignal;
}

/**
 * Reads a PDF's pages in batches through `read` (in the extension: the tab that holds the PDF), keeping at
 * most `maxChars` characters. Fails with the scanned-PDF message when no page has any text.
 */
export async function collectPdfText(
  read: (from: number, limits: { maxChars: number; maxPages: number }) => Promise<PdfPagesRead>,
  { maxChars, pagesPerRead = 20, onProgress, signal }: CollectOptions,
): Promise<PdfText> {
  let text = '';
  const pageStarts: PdfPageStart[] = [];
  let pageCount = 0;
  let truncated = false;
  let from: number | null = 1;
  while (from !== null && !truncated) {
    signal?.throwIfAborted();
    const batch: PdfPagesRead = await read(from, {
      maxChars: maxChars - text.length,
      maxPages: pagesPerRead,
    });
    pageCount = batch.pageCount;
    for (const { page, text: pageText } of batch.pages) {
      if (!pageText) continue;
      const start = text ? text.length + 2 : 0;
      const room = maxChars - start;
      const kept = pageText.length <= room ? pageText : cutAtWord(pageText, Math.max(0, room));
      if (kept) {
        pageStarts.push({ page, start });
        text = text ? `${text}\n\n${kept}` : kept;
      }
      if (kept.length < pageText.length) {
        truncated = true;
        break;
      }
    }
    const last = batch.pages[batch.pages.length - 1]?.page ?? pageCount;
    onProgress?.(last, pageCount);
    // A batch that read nothing would loop forever.
    from = batch.next !== null && batch.next > from ? batch.next : null;
  }
  if (!text) throw pdfScanned();
  return { text, pageStarts, pageCount, truncated };
}
