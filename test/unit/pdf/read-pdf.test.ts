import { describe, expect, test } from 'vitest';
import { collectPdfText } from '../../../src/pdf/collect';
import { type OpenedPdf, openPdf } from '../../../src/pdf/read-pdf';
import { pageAt } from '../../../src/protocol';
import { loadCMapFromPackage } from '../../support/pdf-node';
import {
  CJK_SENTENCE,
  cjkDocument,
  damagedDocument,
  hugePaper,
  PAPER_TITLE,
  PDF_PASSWORD,
  PLANTED_PAGE,
  PLANTED_SENTENCE,
  protectedPaper,
  RUNNING_HEADER,
  scannedDocument,
  twoColumnPaper,
} from '../../support/test-pdfs';

const readAll = (pdf: OpenedPdf, maxChars = 400_000) =>
  collectPdfText((from, limits) => pdf.readPages(from, limits), { maxChars });

describe('PDF text', () => {
  test('comes in reading order, columns left then right, with the running header and footer dropped', async () => {
    const pdf = await openPdf(twoColumnPaper(), { loadCMap: loadCMapFromPackage });
    const { text, pageStarts, pageCount } = await readAll(pdf);
    expect(pageCount).toBe(14);
    expect(pageStarts.map((p) => p.page)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    const first = text.slice(0, pageStarts[1]?.start);
    // The file holds footer, right column, left column, title, header in that order.
    expect(first.startsWith(PAPER_TITLE)).toBe(true);
    expect(first.indexOf('Left 1.39')).toBeLessThan(first.indexOf('Right 1.0'));
    expect(first.indexOf('Left 1.0')).toBeLessThan(first.indexOf('Left 1.1'));
    expect(text).not.toContain(RUNNING_HEADER);
    expect(text).not.toMatch(/Page \d+ of 14/);
    // A page's own lines stay: the planted sentence, on its page.
    const at = text.indexOf(PLANTED_SENTENCE);
    expect(at).toBeGreaterThan(0);
    expect(pageAt(pageStarts, at)).toBe(PLANTED_PAGE);
    // The paragraph gap halfway down each column splits it into blocks.
    expect(first.split('\n\n').length).toBeGreaterThanOrEqual(5);
    await pdf.destroy();
  });

  test('reads CJK text in a predefined-CMap font only with the cMaps', async () => {
    const withCMaps = await openPdf(cjkDocument(), { loadCMap: loadCMapFromPackage });
    expect((await readAll(withCMaps)).text).toContain(CJK_SENTENCE);
    const without = await openPdf(cjkDocument());
    expect((await readAll(without)).text).not.toContain(CJK_SENTENCE);
  });

  // The key travels with the error, so the page says it in the reader's language.
  test.each([
    [undefined, 'password-required', 'error_pdf_password_required'],
    ['not it', 'password-wrong', 'error_pdf_password_wrong'],
  ])('a protected PDF with password %j fails with %s', async (password, code, key) => {
    await expect(openPdf(protectedPaper(), { password })).rejects.toMatchObject({ code, key });
  });

  test('a protected PDF opens with its password', async () => {
    const pdf = await openPdf(protectedPaper(), { password: PDF_PASSWORD });
    expect((await readAll(pdf)).text).toContain('Left 3.0');
  });

  test('a scanned PDF says it has no text layer', async () => {
    const pdf = await openPdf(scannedDocument());
    await expect(readAll(pdf)).rejects.toMatchObject({
      code: 'empty-page',
      key: 'error_pdf_scanned',
      message: "This PDF has no text layer (it looks scanned), so Pagewise can't read it.",
    });
  });

  test('a damaged PDF gets a clear error', async () => {
    await expect(openPdf(damagedDocument())).rejects.toMatchObject({
      code: 'unreadable-page',
      key: 'error_pdf_damaged',
      message: expect.stringMatching(/^This PDF is damaged/),
    });
  });

  test('a 300-page PDF is read progressively up to the character budget, and no further', async () => {
    const pdf = await openPdf(hugePaper());
    const progress: number[] = [];
    const asked: number[] = [];
    const result = await collectPdfText(
      (from, limits) => {
        asked.push(from);
        return pdf.readPages(from, limits);
      },
      { maxChars: 60_000, pagesPerRead: 5, onProgress: (done, total) => progress.push(done / total) },
    );
    expect(result.pageCount).toBe(300);
    expect(result.truncated).toBe(true);
    expect(result.text.length).toBeLessThanOrEqual(60_000);
    expect(result.text.length).toBeGreaterThan(55_000);
    // Only the pages that fit were read, a few at a time, with progress after each batch.
    const lastPage = result.pageStarts[result.pageStarts.length - 1]?.page ?? 0;
    expect(lastPage).toBeLessThan(40);
    expect(Math.max(...asked)).toBeLessThanOrEqual(lastPage);
    expect(progress.length).toBe(asked.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });
});
