import { AppError, localMessage } from '../errors';
import { conversationUrl } from '../page-url';
import { type DataOf, type PdfPagesRead, type pdfRequests, sendToWorkerFromPdf } from '../protocol';
import { MAX_PDF_BYTES } from '../protocol/limits';
import { base64ToBytes } from './base64';
import { type OpenedPdf, openPdf } from './read-pdf';

/** Marks, in the content scripts' world, that the PDF reader was injected into this tab already. */
export const PDF_READER_MARK = 'pagewisePdfReader';

/**
 * The PDF reader in a PDF tab: reads the tab's PDF (a same-origin fetch, with the user's cookies and the HTTP
 * cache; a `file://` PDF through the worker, which may read files) and opens it once. The open document stays
 * in the tab's memory for the next requests, so a password is typed once per tab; it is never stored.
 */
export function createTabPdfReader(location: Location) {
  let opened: { url: string; pdf: Promise<OpenedPdf> } | null = null;
  const open = (password: string | null) => {
    const url = conversationUrl(location.href);
    if (opened?.url !== url) {
      const pdf = readBytes(url).then((bytes) => openPdf(bytes, { password, loadCMap }));
      opened = { url, pdf };
      // A failed open (a password missing or wrong) is tried again on the next request.
      pdf.catch(() => {
        if (opened?.pdf === pdf) opened = null;
      });
    }
    return opened.pdf;
  };
  return {
    async readPdfPages({
      password,
      from,
      maxChars,
      maxPages,
    }: DataOf<typeof pdfRequests, 'readPdfPages'>): Promise<PdfPagesRead> {
      return (await open(password)).readPages(from, { maxChars, maxPages });
    },
  };
}

const loadCMap = async (name: string) => base64ToBytes(await sendToWorkerFromPdf('getCMap', { name }));

async function readBytes(url: string): Promise<Uint8Array> {
  if (url.startsWith('file:')) return readFileThroughWorker();
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'include', cache: 'force-cache' });
  } catch (error) {
    throw unreachable(error);
  }
  if (!response.ok) throw unreachable(new Error(`HTTP ${response.status}`));
  if (Number(response.headers.get('content-length') ?? 0) > MAX_PDF_BYTES) throw tooLarge();
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_PDF_BYTES) throw tooLarge();
  return bytes;
}

async function readFileThroughWorker(): Promise<Uint8Array> {
  const first = await sendToWorkerFromPdf('readPdfFile', { offset: 0 });
  if (first.size > MAX_PDF_BYTES) throw tooLarge();
  const bytes = new Uint8Array(first.size);
  let offset = 0;
  for (let chunk = first; ; chunk = await sendToWorkerFromPdf('readPdfFile', { offset })) {
    const data = base64ToBytes(chunk.data);
    if (data.length === 0 || offset + data.length > bytes.length) break;
    bytes.set(data, offset);
    offset += data.length;
    if (offset >= bytes.length) break;
  }
  if (offset !== bytes.length) throw unreachable(new Error('The file changed while it was read'));
  return bytes;
}

function unreachable(cause: unknown): AppError {
  return new AppError('page-unreachable', localMessage('error_pdf_reload'), { cause });
}

function tooLarge(): AppError {
  return new AppError('too-long', localMessage('error_pdf_too_large', MAX_PDF_BYTES / 1_000_000));
}
