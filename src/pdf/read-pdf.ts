import { getDocument, type PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { TextItem } from 'pdfjs-dist/types/src/display/api';
import { AppError } from '../errors';
import type { PdfPagesRead } from '../protocol';
import { edgeKey, linesToText, type PageLine, type PlacedText, readingOrder, repeatedEdges } from './layout';
import { pdfDamaged, pdfPasswordRequired, pdfPasswordWrong } from './messages';

// pdf.js's legacy build: the modern one calls `Uint8Array.prototype.toHex` and `Promise.withResolvers`, which
// Chrome 124 (the manifest's minimum) and Node 20 lack; the legacy build carries its own polyfills.

/** Loads a packed cMap (`<name>.bcmap`) from wherever the extension keeps them. */
export type CMapLoader = (name: string) => Promise<Uint8Array>;

export interface OpenPdfOptions {
  password?: string | null;
  loadCMap?: CMapLoader;
}

/** An open PDF, read a few pages at a time so that only a bounded amount of text is ever held. */
export interface OpenedPdf {
  readonly pageCount: number;
  /**
   * Reads pages from `from` (1-based) until `maxChars` characters of text or `maxPages` pages; at least one
   * page. Repeated running headers and footers are left out.
   */
  readPages(from: number, limits: { maxChars: number; maxPages: number }): Promise<PdfPagesRead>;
  destroy(): Promise<void>;
}

/** Pages sampled, from the start, to tell running headers and footers from a page's own lines. */
const EDGE_SAMPLE_PAGES = 12;

/**
 * Opens PDF bytes with pdf.js. Fails with `password-required` (pdf.js's `PasswordException` code 1),
 * `password-wrong` (code 2) or `unreadable-page` for a damaged file.
 */
export async function openPdf(
  /** Taken over by pdf.js (transferred to its worker): pass a copy to keep using it. */
  data: Uint8Array,
  options: OpenPdfOptions = {},
): Promise<OpenedPdf> {
  const { loadCMap } = options;
  const task = getDocument({
    data,
    password: options.password ?? undefined,
    // cMaps come through the loader (messaging in the extension): no file is web-accessible.
    useWorkerFetch: false,
    CMapReaderFactory: loadCMap ? cMapFactory(loadCMap) : undefined,
    isEvalSupported: false,
    disableFontFace: true,
    verbosity: 0,
  });
  let doc: PDFDocumentProxy;
  try {
    doc = await task.promise;
  } catch (error) {
    await task.destroy().catch(() => {});
    throw asPdfError(error);
  }
  let repeated: Set<string> | null = null;
  // The sampled pages' lines, kept until read (at most EDGE_SAMPLE_PAGES), so no page is laid out twice.
  const sampled = new Map<number, Awaited<ReturnType<typeof linesOf>>>();
  const linesOf = async (page: number) => {
    const proxy = await doc.getPage(page);
    const [, , width, height] = proxy.view as [number, number, number, number];
    const content = await proxy.getTextContent();
    proxy.cleanup();
    const runs: PlacedText[] = [];
    for (const item of content.items) {
      if (!('str' in item)) continue;
      const { str, transform, width: w, height: h } = item as TextItem;
      runs.push({
        text: str,
        x: transform[4] ?? 0,
        y: transform[5] ?? 0,
        width: w,
        height: h || Math.abs(transform[3] ?? 0),
      });
    }
    return { lines: readingOrder(runs, width), height };
  };
  const edges = async () => {
    if (repeated) return repeated;
    const sample: (string | null)[][] = [];
    for (let page = 1; page <= Math.min(doc.numPages, EDGE_SAMPLE_PAGES); page++) {
      const laidOut = await linesOf(page);
      sampled.set(page, laidOut);
      sample.push(laidOut.lines.map((line) => edgeKey(line, laidOut.height)));
    }
    repeated = repeatedEdges(sample);
    return repeated;
  };
  return {
    pageCount: doc.numPages,
    async readPages(from, { maxChars, maxPages }) {
      const skip = await edges();
      const pages: PdfPagesRead['pages'] = [];
      let chars = 0;
      let page = Math.max(1, from);
      try {
        for (
          ;
          page <= doc.numPages && pages.length < maxPages && (pages.length === 0 || chars < maxChars);
          page++
        ) {
          const { lines, height } = sampled.get(page) ?? (await linesOf(page));
          sampled.delete(page);
          const kept = lines.filter((line: PageLine) => {
            const key = edgeKey(line, height);
            return !(key && skip.has(key));
          });
          const text = linesToText(kept);
          pages.push({ page, text });
          chars += text.length;
        }
      } catch (error) {
        throw asPdfError(error);
      }
      return { pageCount: doc.numPages, pages, next: page <= doc.numPages ? page : null };
    },
    destroy: () => doc.destroy(),
  };
}

function cMapFactory(load: CMapLoader) {
  return class {
    async fetch({ name }: { name: string }) {
      return { cMapData: await load(name), isCompressed: true };
    }
  };
}

function asPdfError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const { name, code } = (error ?? {}) as { name?: string; code?: number };
  if (name === 'PasswordException') return code === 2 ? pdfPasswordWrong() : pdfPasswordRequired();
  return pdfDamaged(error);
}
