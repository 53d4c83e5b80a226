import type { Engine } from '../src/engine/engine';
import { BENCH_QWEN_SHAPE } from '../src/engine/registry';
import type { Backend, Session } from '../src/engine/types';
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

/** One generation as the bench times it, from the call to the first token and on to the last. */
export interface BenchGeneration {
  promptTokens: number;
  newTokens: number;
  /** Time to the first token over the prompt's tokens: reading the prompt dominates it. */
  prefillMsPerToken: number;
  /** Tokens after the first, per second. */
  decodeTokensPerSecond: number;
  /** ORT threads the run used (the offscreen host's own count). */
  threads: number;
}

/** Where a bench generation runs: the engine's session in this worker (one thread), or the offscreen host. */
export type BenchHost = 'worker' | 'offscreen';

/**
 * For `npm run bench` only (the bench build): summaries timed in the worker, the progressive way the
 * extension does it and the naive way (the whole page in one prompt), on the same model and thread; and one
 * prompt timed on one thread here against the offscreen host's threads, on the same model.
 */
export function installBenchHooks(
  engine: Engine,
  offscreen: Backend & { hostState(): { numThreads: number } | undefined },
): void {
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
  let offscreenSession: Promise<Session> | undefined;
  const generate = async (where: BenchHost, prompt: string, maxNewTokens: number) => {
    const signal = new AbortController().signal;
    const timed = async (session: Session): Promise<BenchGeneration> => {
      const started = performance.now();
      let firstAt = 0;
      const result = await session.generate([{ role: 'user', content: prompt }], {
        maxNewTokens,
        signal,
        onToken: () => {
          firstAt ||= performance.now();
        },
      });
      const finished = performance.now();
      return {
        promptTokens: result.promptTokens,
        newTokens: result.newTokens,
        prefillMsPerToken: (firstAt - started) / result.promptTokens,
        decodeTokensPerSecond: ((result.newTokens - 1) * 1000) / (finished - firstAt),
        threads: where === 'worker' ? 1 : (offscreen.hostState()?.numThreads ?? 0),
      };
    };
    if (where === 'worker') return engine.run(timed, { signal });
    offscreenSession ??= offscreen.load(BENCH_QWEN_SHAPE, () => {});
    return timed(await offscreenSession);
  };
  Object.assign(globalThis, { pagewiseBench: { summarize, generate } });
}
