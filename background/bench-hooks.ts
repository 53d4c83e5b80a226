import type { Engine } from '../src/engine/engine';
import { readPage } from '../src/handlers/page-reader';
import type { SummaryLength } from '../src/protocol';
import { summarizePage } from '../src/summarize';
import { SUMMARY_OUTPUT_TOKENS, summaryPrompt } from '../src/text/prompts';

/** One summary as the bench times it, in the worker, from the model's turn to its last word. */
export interface BenchSummary {
  firstWordsMs: number;
  completeMs: number;
  /** Tokens of the page's text as the model counts them. */
  pageTokens: number;
  parts: number;
  characters: number;
}

/**
 * For `npm run bench` only (the bench build): summaries timed in the worker, the progressive way the
 * extension does it and the naive way (the whole page in one prompt), on the same model and thread.
 */
export function installBenchHooks(engine: Engine): void {
  const summarize = async (tabId: number, way: 'progressive' | 'naive', length: SummaryLength) => {
    const page = await readPage(tabId);
    const signal = new AbortController().signal;
    return engine.run(
      async (session): Promise<BenchSummary> => {
        const started = performance.now();
        let firstAt = 0;
        const onToken = () => {
          firstAt ||= performance.now();
        };
        let text: string;
        let parts = 1;
        if (way === 'naive') {
          const prompt = summaryPrompt(page, page.text, length);
          text = (
            await session.generate(prompt, { maxNewTokens: SUMMARY_OUTPUT_TOKENS[length], signal, onToken })
          ).text;
        } else {
          const summary = await summarizePage(session, page, length, { signal, onToken });
          text = summary.text;
          parts = summary.parts;
        }
        return {
          firstWordsMs: firstAt - started,
          completeMs: performance.now() - started,
          pageTokens: session.countTokens(page.text),
          parts,
          characters: text.length,
        };
      },
      { signal },
    );
  };
  Object.assign(globalThis, { pagewiseBench: { summarize } });
}
