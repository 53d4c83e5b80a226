import browser, { type Runtime } from 'webextension-polyfill';
import { AppError, localMessage } from '../errors';
import { conversationUrl } from '../page-url';
import { bytesToBase64 } from '../pdf/base64';
import { collectPdfText } from '../pdf/collect';
import { type PageContent, type PdfReaderAnswers, sendToPdfTab } from '../protocol';
import { PDF_FILE_CHUNK_BYTES } from '../protocol/limits';
import { MAX_PAGE_CHARS } from '../text/limits';

/** The PDF reader's bundle (`content/pdf.ts`), built on its own and injected into PDF tabs only. */
export const PDF_READER_SCRIPT = 'content/pdf.js';
/** Where the build puts pdf.js's packed cMaps (read by the worker, handed to tabs over messaging). */
export const CMAPS_PATH = 'pdf/cmaps/';

/** What reading a PDF may be given: its password (for this request only), progress, and Stop. */
export interface ReadPdfOptions {
  password?: string | null;
  onProgress?(done: number, total: number): void;
  signal?: AbortSignal;
}

/**
 * Reads the PDF shown in a tab: injects the PDF reader once, then asks it for pages in batches, keeping at
 * most `MAX_PAGE_CHARS` characters (the rest of a huge PDF is never read).
 */
export async function readPdf(
  tabId: number,
  shown: PageContent,
  options: ReadPdfOptions = {},
): Promise<PageContent> {
  await injectPdfReader(tabId);
  const { text, pageStarts, truncated } = await collectPdfText(
    (from, limits) =>
      sendToPdfTab(tabId, 'readPdfPages', { password: options.password ?? null, from, ...limits }),
    { maxChars: MAX_PAGE_CHARS, onProgress: options.onProgress, signal: options.signal },
  );
  return {
    ...shown,
    title: shown.title || fileName(shown.url),
    text,
    truncated,
    pages: pageStarts,
    links: [],
  };
}

async function injectPdfReader(tabId: number): Promise<void> {
  const target = { tabId, frameIds: [0] };
  // The mark lives in the content scripts' world, which every injection into the tab shares.
  const [probe] = await browser.scripting.executeScript({
    target,
    func: () => 'pagewisePdfReader' in globalThis,
  });
  if (probe?.result !== true) await browser.scripting.executeScript({ target, files: [PDF_READER_SCRIPT] });
}

/** Opens a page of the PDF a tab shows (`#page=N`, which Chrome's viewer follows); false when it is gone. */
export async function showPdfPage(tabId: number, page: number): Promise<boolean> {
  const tab = await browser.tabs.get(tabId).catch(() => null);
  if (!tab?.url) return false;
  await browser.tabs.update(tabId, { url: `${conversationUrl(tab.url)}#page=${page}` });
  return true;
}

function fileName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '') || url;
  } catch {
    return url;
  }
}

/**
 * Serves the PDF reader's requests (`pdfReaderRequests`). `fetchFile` reads the packaged cMaps and, with file
 * access and `file:` in `connect-src`, a `file://` PDF: only the one the asking frame shows.
 */
export function createPdfReaderHandlers(fetchFile: typeof fetch = (input, init) => fetch(input, init)) {
  const read = async (url: string) => {
    const response = await fetchFile(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  };
  return {
    async getCMap({ name }: { name: string }): Promise<PdfReaderAnswers['getCMap']> {
      return bytesToBase64(await read(browser.runtime.getURL(`${CMAPS_PATH}${name}.bcmap`)));
    },
    async readPdfFile(
      { offset }: { offset: number },
      sender: Runtime.MessageSender,
    ): Promise<PdfReaderAnswers['readPdfFile']> {
      const url = sender.url;
      if (!url?.startsWith('file:'))
        throw new AppError('invalid-message', localMessage('error_pdf_not_file'));
      let bytes: Uint8Array;
      try {
        bytes = await read(url);
      } catch (cause) {
        throw new AppError('unreadable-page', localMessage('error_pdf_file_access'), { cause });
      }
      return {
        data: bytesToBase64(bytes.subarray(offset, offset + PDF_FILE_CHUNK_BYTES)),
        size: bytes.length,
      };
    },
  };
}
