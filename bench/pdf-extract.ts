import { performance } from 'node:perf_hooks';
import { collectPdfText } from '../src/pdf/collect';
import { openPdf } from '../src/pdf/read-pdf';
import { MAX_PAGE_CHARS } from '../src/text/limits';
import { twoColumnPaper } from '../test/support/test-pdfs';

// Text extraction time per page (pdf.js legacy build, reading order, header/footer detection), in Node on this
// machine: `npx tsx bench/pdf-extract.ts`. The whole file is read (no character budget) to time every page,
// and once more with the extension's budget, as a summary reads it.

async function measure(pages: number, maxChars: number) {
  const bytes = twoColumnPaper(pages);
  const runs: number[] = [];
  let read = 0;
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    // pdf.js takes the buffer over (it is transferred to its worker): each run gets a copy.
    const pdf = await openPdf(bytes.slice());
    const result = await collectPdfText((from, limits) => pdf.readPages(from, limits), { maxChars });
    runs.push(performance.now() - started);
    read = result.pageStarts.length;
    await pdf.destroy();
  }
  const best = Math.min(...runs);
  return {
    pages,
    pagesRead: read,
    bytes: bytes.length,
    totalMs: Math.round(best),
    msPerPage: +(best / read).toFixed(2),
  };
}

console.log(JSON.stringify(await measure(14, Number.POSITIVE_INFINITY)));
console.log(JSON.stringify(await measure(300, Number.POSITIVE_INFINITY)));
console.log(JSON.stringify(await measure(300, MAX_PAGE_CHARS)));
