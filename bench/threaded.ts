import type { Worker } from 'playwright-core';
import { benchArticleText } from './article';
import type { BenchGeneration, BenchHost } from './extension/hooks';
import { sampleNewExtensionProcesses } from './process-memory';
import { median } from './stats';

type Hooks = { generate(where: BenchHost, prompt: string, maxNewTokens: number): Promise<BenchGeneration> };

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/** What the threaded comparison reports: ratios above 1 mean the offscreen threads are faster. */
export interface ThreadedSpeedup {
  /** Offscreen decode tokens/s over the worker's. */
  decode: number;
  /** The worker's prefill ms per prompt token over the offscreen host's. */
  prefill: number;
  threads: number;
  promptTokens: number;
  newTokens: number;
  worker: { decodeTokensPerSecond: number; prefillMsPerToken: number };
  offscreen: { decodeTokensPerSecond: number; prefillMsPerToken: number };
  /**
   * The offscreen host's own process (it starts for this comparison: cross-origin isolated, it is not the
   * worker's), from its start through its load and runs: the peak and the RSS after the last run, in MB
   * and over the weights file. Null where no new process was told apart.
   */
  offscreenHostMemory: {
    processes: number;
    peakMB: number;
    steadyMB: number;
    peakRatio: number | null;
    steadyRatio: number | null;
  } | null;
}

/**
 * The same prompt on the same model, on one thread in the worker and on the offscreen host's threads,
 * alternated round by round so that the machine's noise falls on both alike; medians of the rounds. Each
 * side first runs once unmeasured: the first generation after a load is slow.
 */
export async function measureThreadedSpeedup(
  worker: Worker,
  { promptWords = 400, maxNewTokens = 48, rounds = 3, profileDir = '', weightsBytes = 0 } = {},
): Promise<ThreadedSpeedup> {
  const prompt = `Summarize this article.\n\n${benchArticleText(promptWords)}`;
  const run = (where: BenchHost, tokens: number) =>
    worker.evaluate(
      ({ where, prompt, tokens }) =>
        (globalThis as unknown as { pagewiseBench: Hooks }).pagewiseBench.generate(where, prompt, tokens),
      { where, prompt, tokens },
    );
  await run('worker', 4);
  // Before the offscreen document exists (it closes after 5 idle minutes, and nothing asked for it yet).
  const hostMemory = profileDir ? sampleNewExtensionProcesses(profileDir) : null;
  await run('offscreen', 4);
  const runs: Record<BenchHost, BenchGeneration[]> = { worker: [], offscreen: [] };
  for (let i = 0; i < rounds; i++) {
    for (const where of (i % 2 ? ['offscreen', 'worker'] : ['worker', 'offscreen']) as BenchHost[]) {
      const measured = await run(where, maxNewTokens);
      console.log(`  ${where}:`, measured);
      runs[where].push(measured);
    }
  }
  const host = hostMemory?.stop() ?? null;
  const overWeights = (mb: number) => (weightsBytes > 0 ? round((mb * 1e6) / weightsBytes, 2) : null);
  const summary = (list: BenchGeneration[]) => ({
    decodeTokensPerSecond: round(median(list.map((run) => run.decodeTokensPerSecond)), 2),
    prefillMsPerToken: round(median(list.map((run) => run.prefillMsPerToken)), 2),
  });
  const single = summary(runs.worker);
  const threaded = summary(runs.offscreen);
  const first = runs.offscreen[0] as BenchGeneration;
  return {
    decode: round(threaded.decodeTokensPerSecond / single.decodeTokensPerSecond),
    prefill: round(single.prefillMsPerToken / threaded.prefillMsPerToken),
    threads: first.threads,
    promptTokens: first.promptTokens,
    newTokens: first.newTokens,
    worker: single,
    offscreen: threaded,
    offscreenHostMemory:
      host && host.processes > 0
        ? { ...host, peakRatio: overWeights(host.peakMB), steadyRatio: overWeights(host.steadyMB) }
        : null,
  };
}
