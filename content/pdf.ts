import * as pdfjsWorker from 'pdfjs-dist/legacy/build/pdf.worker.mjs';
import { createTabPdfReader, PDF_READER_MARK } from '../src/pdf/tab-reader';
import { isFromExtension, onRequests, pdfRequests } from '../src/protocol';

// The PDF reader: injected by the worker into PDF tabs only (never declared in the manifest), so other pages
// carry none of pdf.js. A content script cannot start a Worker of the extension, so pdf.js runs its "worker"
// in this thread, from this static import.
const scope = globalThis as typeof globalThis & { pdfjsWorker?: unknown; [PDF_READER_MARK]?: true };
if (!scope[PDF_READER_MARK]) {
  scope[PDF_READER_MARK] = true;
  scope.pdfjsWorker = pdfjsWorker;
  const reader = createTabPdfReader(location);
  onRequests(pdfRequests, { readPdfPages: (request) => reader.readPdfPages(request) }, isFromExtension);
}
