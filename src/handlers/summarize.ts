import browser from 'webextension-polyfill';
import type { Engine } from '../engine/engine';
import type { StreamContext, SummaryLength, SummaryResult } from '../protocol';
import { summarizePage } from '../summarize/summarize-page';
import { answerLanguageFromSettings } from './answer-language';
import { readPage } from './page-reader';
import { saveSummary } from './summary-cache';

/**
 * Serves `summarize`: read the tab's page, run the model (queued), stream progress, remember the result.
 * `answerIn` gives the language Settings asks summaries in (read per request, so a change applies at once).
 */
export function createSummarizeHandler(
  engine: Engine,
  answerIn: () => Promise<string | null> = answerLanguageFromSettings,
) {
  return async (
    { tabId, length, password }: { tabId: number; length: SummaryLength; password?: string | null },
    { signal, emit, queue }: StreamContext,
  ): Promise<SummaryResult> => {
    emit({ type: 'stage', stage: 'reading' });
    const read = await readPage(tabId, {
      password,
      signal,
      onProgress: (done, total) => emit({ type: 'pdfProgress', done, total }),
    });
    const page = { ...read, answerIn: await answerIn() };
    emit({ type: 'stage', stage: 'loading' });
    let engineName = '';
    const summary = await engine.run(
      (session) =>
        summarizePage(session, page, length, {
          signal,
          onPart: (index, count) => emit({ type: 'stage', stage: 'generating', part: { index, count } }),
          onWriting: () => emit({ type: 'stage', stage: 'generating' }),
          onToken: (text) => emit({ type: 'token', text }),
          onPrefill: (done, total) => emit({ type: 'promptProgress', done, total }),
        }),
      {
        signal,
        ...queue,
        onProgress: (progress) => emit({ type: 'modelProgress', progress }),
        onReady: (info) => {
          engineName = info.name;
          emit({ type: 'engine', engine: info });
        },
      },
    );
    const result: SummaryResult = {
      url: page.url,
      title: page.title,
      length,
      ...summary,
      engine: engineName,
      createdAt: Date.now(),
      links: page.links ?? [],
    };
    // Stored under the URL the tab had when asked, which is what getTabSummary compares against.
    const tab = await browser.tabs.get(tabId).catch(() => undefined);
    await saveSummary(tabId, { ...result, url: tab?.url ?? page.url });
    return result;
  };
}
