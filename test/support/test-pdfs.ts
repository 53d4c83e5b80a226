import { type PdfPage, type PdfText, writePdf } from './pdf-writer';

// The PDFs the tests read, written in code: each one shows one thing the extraction must get right.

export const RUNNING_HEADER = 'Proceedings of Imaginary Results 2026';
export const PAPER_TITLE = 'A Study of Reading Order in Two Columns';
/** A sentence on page 7 of the paper, in the right column: questions about it must cite "p. 7". */
export const PLANTED_PAGE = 7;
export const PLANTED_SENTENCE = 'The lighthouse keeper stores saffron in the copper kettle.';
export const PDF_PASSWORD = 'open sesame';
export const CJK_SENTENCE = '日本語の文書を読むことができます。';

const WORDS = (
  'river stone paper lamp window garden signal harbor winter market bridge forest engine letter ' +
  'orchard valley candle silver thread meadow copper island ladder mirror pocket saddle tunnel ' +
  'violet wagon yellow anchor basket cellar dragon feather glacier hammer jacket kitten'
).split(' ');

/** Deterministic words: the same PDF every run. */
function line(page: number, column: number, row: number): string {
  const words: string[] = [];
  for (let w = 0; w < 6; w++)
    words.push(WORDS[(page * 31 + column * 17 + row * 7 + w * 13) % WORDS.length] as string);
  return `${column === 0 ? 'Left' : 'Right'} ${page}.${row} ${words.join(' ')}`;
}

const ROWS = 40;

/** A page of the two-column paper, written in a scrambled file order (footer, right, left, title, header). */
function paperPage(page: number, count: number): PdfPage {
  const top = page === 1 ? 690 : 730;
  const column = (c: number): PdfText[] =>
    Array.from({ length: ROWS }, (_, row) => ({
      x: c === 0 ? 72 : 324,
      y: top - row * 15 - (row >= ROWS / 2 ? 10 : 0),
      text: page === PLANTED_PAGE && c === 1 && row === 3 ? PLANTED_SENTENCE : line(page, c, row),
    }));
  const texts: PdfText[] = [
    { x: 280, y: 30, text: `Page ${page} of ${count}`, size: 9 },
    ...column(1),
    ...column(0),
  ];
  if (page === 1) texts.push({ x: 140, y: 730, text: PAPER_TITLE, size: 18 });
  texts.push({ x: 200, y: 765, text: RUNNING_HEADER, size: 9 });
  return { texts };
}

/** A two-column paper with a running header and page footer: the reading-order PDF. */
export function twoColumnPaper(pages = 14): Uint8Array {
  return writePdf({ pages: Array.from({ length: pages }, (_, i) => paperPage(i + 1, pages)) });
}

/** The paper at 300 pages: bounded, progressive reading. */
export function hugePaper(): Uint8Array {
  return twoColumnPaper(300);
}

/** Japanese text in a font with a predefined CMap: empty without pdf.js's cMaps. */
export function cjkDocument(): Uint8Array {
  return writePdf({
    pages: [
      {
        texts: [
          { x: 72, y: 700, text: 'Japanese sample', size: 14 },
          { x: 72, y: 670, text: CJK_SENTENCE, font: 'cjk', size: 12 },
        ],
      },
    ],
  });
}

/** The short paper, encrypted (RC4 128-bit): opens with `PDF_PASSWORD`. */
export function protectedPaper(): Uint8Array {
  return writePdf({
    pages: Array.from({ length: 3 }, (_, i) => paperPage(i + 1, 3)),
    password: { user: PDF_PASSWORD },
  });
}

/** Two pages that are only images: what a scan without OCR looks like. */
export function scannedDocument(): Uint8Array {
  return writePdf({ pages: [{ image: true }, { image: true }] });
}

/** A file that starts like a PDF and then is not one. */
export function damagedDocument(): Uint8Array {
  const good = twoColumnPaper(2);
  const bytes = new Uint8Array(good.length);
  bytes.set(good.subarray(0, 16));
  for (let i = 16; i < bytes.length; i++) bytes[i] = (i * 131) % 251;
  return bytes;
}
