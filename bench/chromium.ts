/**
 * `npm run bench`: the extension's speed in real Chromium (its service worker, one WASM thread), on a
 * random-weight model with the default model's dimensions and tokenizer (random weights cost what real
 * ones do), measured side by side in one run and reported as ratios, since this machine is shared and
 * noisy. Writes bench/results/latest.json and prints it.
 *
 * - summarizeFirstWordsRatio, summarizeCompleteRatio: a 3,000-word article summarized progressively (as the
 *   extension does) against the naive way (the whole page in one prompt), same model, same thread.
 * - followupTtftRatio: in the side panel, a follow-up's first words against the first question's.
 * - threadedSpeedup: one prompt on one thread in the worker against the offscreen host's WASM threads, same
 *   model: decode tokens/s and prefill ms/token, as ratios (above 1: threads are faster), beside `cores`.
 * - decodeOverheadRatio: decode tokens per second of our `Session.generate` over a raw onnxruntime-web
 *   greedy loop with the KV cache (same model file, worker, thread and tokens), alternated, medians.
 * - peakRssMB: the extension's processes (Chromium's `--extension-process` renderers: the service worker
 *   and extension pages) at their highest during the run; the whole browser beside it.
 * - distMB: the production build, models excluded (it has none).
 * - webgpuVsWasm: informational only, from a second Chromium with a (SwiftShader) WebGPU adapter: the small
 *   test model's decode speed on the WebGPU tier over the WASM tier; null, with the reason, when the engine
 *   does not run on WebGPU.
 *
 * - loadRatio, coldStartRatio, coldHashMs, coldLoadMs, rssBeforeRatio, peakRssRatio, steadyRssRatio,
 *   rawSteadyRssRatio: the first summary after a pause, on a model downloaded from a stand-in hub into the
 *   store (bench/cold-start.ts).
 *
 * `BENCH_SCOPE=threads npm run bench` measures only threadedSpeedup (a few minutes), into threads.json;
 * `BENCH_SCOPE=cold` only the cold-start figures, into cold.json.
 * `BENCH_QUICK=1 npm run bench`: a short article and few tokens and rounds, to check the bench itself.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  BENCH_QWEN_DIR,
  DECODER_PRESETS,
  ensureDecoderModel,
  ensureTestModels,
} from '../scripts/test-models';
import {
  BENCH_BUILD_MODE,
  BENCH_QWEN_SHAPE,
  BENCH_SMALL_BUILD_MODE,
  TEST_TINY_LLAMA,
} from '../src/engine/registry';
import type { ChatMessage } from '../src/model';
import { type Browser, createProfile, launchBrowser, serveSite } from '../test/e2e/harness';
import { articleHtml, longArticleHtml, longArticleText } from '../test/support/article';
import { benchArticleText } from './article';
import { BENCH_WEIGHTS_FILE, measureColdStart } from './cold-start';
import type { BenchDecode, BenchEnvironment, BenchSummary } from './extension/hooks';
import { checkBenchHooks } from './hooks-check';
import { sampleBrowserMemory } from './process-memory';
import { median } from './stats';
import { measureThreadedSpeedup } from './threaded';

const QUICK = process.env.BENCH_QUICK === '1';
/** How much each figure measures: the full run takes about 12 minutes here, the quick one a few. */
const PLAN = QUICK
  ? { articleWords: 800, decodeTokens: 16, decodeRounds: 2, webgpuTokens: 8, webgpuRounds: 1 }
  : { articleWords: 3_000, decodeTokens: 64, decodeRounds: 5, webgpuTokens: 32, webgpuRounds: 3 };
const ARTICLE_WORDS = PLAN.articleWords;
const BENCH_DIR = 'dist-bench';
const THREADS_ONLY = process.env.BENCH_SCOPE === 'threads';
const COLD_ONLY = process.env.BENCH_SCOPE === 'cold';
/** decodeOverheadRatio is measured this many times over, each of `decodeRounds` alternated rounds. */
const DECODE_RUNS = QUICK ? 1 : 3;
/** The test build's small models with the bench's worker (`bench-small-build`), for webgpuVsWasm. */
const BENCH_SMALL_DIR = 'dist-bench-small';
const RESULTS = new URL(
  `./results/${THREADS_ONLY ? 'threads' : COLD_ONLY ? 'cold' : 'latest'}.json`,
  import.meta.url,
);

const seconds = (ms: number) => Math.round(ms / 100) / 10;
const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
const round1 = (value: number) => Math.round(value * 10) / 10;

/** Bytes under a folder, leaving out the folders named in `skip`. */
function folderBytes(dir: string, skip: string[] = []): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
    if (skip.includes(entry.name)) return sum;
    const path = join(dir, entry.name);
    return sum + (entry.isDirectory() ? folderBytes(path, skip) : statSync(path).size);
  }, 0);
}

type Hooks = {
  summarize(tabId: number, way: string, length: string): Promise<BenchSummary>;
  decodeOurs(messages: ChatMessage[], newTokens: number): Promise<BenchDecode>;
  decodeRaw(messages: ChatMessage[], newTokens: number): Promise<BenchDecode>;
  releaseRaw(): Promise<void>;
  environment(): Promise<BenchEnvironment>;
};

/** One timed generation in the worker, by our engine or by the raw onnxruntime loop. */
const decode = (target: Browser, way: 'ours' | 'raw', messages: ChatMessage[], newTokens: number) =>
  target.worker.evaluate(
    ({ way, messages, newTokens }) => {
      const hooks = (globalThis as unknown as { pagewiseBench: Hooks }).pagewiseBench;
      return way === 'ours' ? hooks.decodeOurs(messages, newTokens) : hooks.decodeRaw(messages, newTokens);
    },
    { way, messages, newTokens },
  );

const environment = (target: Browser) =>
  target.worker.evaluate(() =>
    (globalThis as unknown as { pagewiseBench: Hooks }).pagewiseBench.environment(),
  );

/** The prompt both sides of decodeOverheadRatio read (about 140 tokens). */
const DECODE_PROMPT: ChatMessage[] = [
  { role: 'user', content: `Summarize in three sentences:\n${longArticleText(600)}` },
];

/**
 * webgpuVsWasm: the test build's small model (built with the bench's worker) decoded on the WASM tier and
 * then on the WebGPU tier, each forced in Settings, in a Chromium with a WebGPU adapter (SwiftShader, a CPU
 * emulation: informational).
 * The engine reads its settings when its worker starts, so each tier gets the browser started again.
 */
async function measureWebgpuVsWasm() {
  const profile = createProfile();
  const messages: ChatMessage[] = [{ role: 'user', content: 'Tell me about the harbour.' }];
  const runs: Record<string, { tokensPerSecond: number; engineTier: string | null; gpuAdapter: string }> = {};
  try {
    for (const tier of ['wasm', 'webgpu'] as const) {
      const setup = await launchBrowser(BENCH_SMALL_DIR, profile.dir, { webgpu: true });
      await setup.worker.evaluate((engine) => chrome.storage.local.set({ settings: { engine } }), tier);
      await setup.close();
      const target = await launchBrowser(BENCH_SMALL_DIR, profile.dir, { webgpu: true });
      try {
        await decode(target, 'ours', messages, 4);
        const speeds: number[] = [];
        for (let i = 0; i < PLAN.webgpuRounds; i++)
          speeds.push((await decode(target, 'ours', messages, PLAN.webgpuTokens)).tokensPerSecond);
        const { engineTier, gpuAdapter } = await environment(target);
        runs[tier] = { tokensPerSecond: round1(median(speeds)), engineTier, gpuAdapter };
        console.log(`  ${tier} tier:`, runs[tier]);
      } finally {
        await target.close();
      }
    }
  } finally {
    profile.remove();
  }
  const wasm = runs.wasm as (typeof runs)[string];
  const webgpu = runs.webgpu as (typeof runs)[string];
  const ranOnWebgpu = webgpu.engineTier === 'webgpu';
  let reason: string | undefined;
  if (!ranOnWebgpu)
    reason =
      webgpu.engineTier === null
        ? 'The engine does not report a tier (no engine tiers in this build): the WebGPU tier is not there yet.'
        : `Settings asked for WebGPU but the engine ran on ${webgpu.engineTier} (adapter: ${webgpu.gpuAdapter}).`;
  return {
    webgpuVsWasm: ranOnWebgpu ? ratio(webgpu.tokensPerSecond, wasm.tokensPerSecond) : null,
    webgpuVsWasmDetail: {
      note: 'Informational only: SwiftShader emulates a GPU on the CPU. Decode tokens/s, WebGPU tier over WASM tier.',
      model: `${TEST_TINY_LLAMA.name} (the test build's, in the bench's worker)`,
      newTokens: PLAN.webgpuTokens,
      rounds: PLAN.webgpuRounds,
      wasm,
      webgpu,
      ...(reason ? { reason } : {}),
    },
  };
}

console.log('Preparing the models (the first run writes about 1.1 GB)…');
await ensureDecoderModel(BENCH_QWEN_DIR, DECODER_PRESETS['qwen2.5-0.5b']);
await ensureTestModels();
console.log('Building the extension and the bench build…');
if (!THREADS_ONLY && !COLD_ONLY)
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
for (const mode of THREADS_ONLY || COLD_ONLY
  ? [BENCH_BUILD_MODE]
  : [BENCH_BUILD_MODE, BENCH_SMALL_BUILD_MODE])
  execFileSync('npx', ['vite', 'build', '--mode', mode, '--logLevel', 'warn'], { stdio: 'inherit' });
if (!THREADS_ONLY && !COLD_ONLY) {
  console.log('Checking the bench worker’s hooks…');
  await checkBenchHooks(BENCH_SMALL_DIR);
}
if (QUICK) console.log('Quick run (BENCH_QUICK=1): a short article, few tokens and rounds.');

// First, in a browser of its own: the cold start, on the model downloaded into the store.
let coldStart: Awaited<ReturnType<typeof measureColdStart>> | undefined;
if (!THREADS_ONLY) {
  console.log('The first summary after a pause: the model downloaded into the store, the worker stopped…');
  coldStart = await measureColdStart(BENCH_DIR);
}
if (COLD_ONLY) {
  const results = { measuredAt: new Date().toISOString(), cores: cpus().length, ...coldStart };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
  process.exit(0);
}

const site = await serveSite({
  '/article': articleHtml('The harbour, sixty years on', benchArticleText(ARTICLE_WORDS)),
  '/note': longArticleHtml('A short note', 300),
});
const profile = createProfile();
const browser = await launchBrowser(BENCH_DIR, profile.dir);
// The worker's own thread, whatever this machine's automatic choice (4+ cores would pick threads): every
// figure but threadedSpeedup is about one thread, and that one runs the offscreen host beside it itself.
await browser.worker.evaluate(() => chrome.storage.local.set({ settings: { engine: 'wasm' } }));
const memory = sampleBrowserMemory(profile.dir);

const summarize = (tabId: number, way: 'progressive' | 'naive') =>
  browser.worker.evaluate(
    ({ tabId, way }) =>
      (globalThis as unknown as { pagewiseBench: Hooks }).pagewiseBench.summarize(tabId, way, 'standard'),
    { tabId, way },
  );

/** Asks in the side panel; returns the time from the click to the answer's first words, and to its end. */
async function ask(panel: Page, question: string): Promise<{ firstWordsMs: number; completeMs: number }> {
  await panel.getByTestId('chat-input').fill(question);
  const timing = panel.evaluate(
    () =>
      new Promise<{ firstWordsMs: number; completeMs: number }>((resolve) => {
        // No named functions in here: tsx would wrap them in a helper the page doesn't have.
        const selector = '[data-testid="chat-message"][data-role="assistant"]';
        const before = document.querySelectorAll(selector).length;
        const started = performance.now();
        let firstAt = 0;
        const observer = new MutationObserver(() => {
          const latest = document.querySelectorAll(selector)[before];
          if (!firstAt && latest?.querySelector('.message__answer')?.textContent?.trim())
            firstAt = performance.now();
          const state = document.querySelector('[data-testid="status"]')?.getAttribute('data-state');
          if (firstAt && (state === 'done' || state === 'error')) {
            observer.disconnect();
            resolve({ firstWordsMs: firstAt - started, completeMs: performance.now() - started });
          }
        });
        observer.observe(document.body, {
          subtree: true,
          childList: true,
          characterData: true,
          attributes: true,
        });
        (document.querySelector('[data-testid="chat-send"]') as HTMLButtonElement).click();
      }),
  );
  return timing;
}

/** The whole bench: summaries, chat, threads. */
async function fullRun() {
  const { tabId } = await browser.openTab(`${site.origin}/article`);
  const note = await browser.openTab(`${site.origin}/note`);

  console.log('Loading the model and warming up…');
  const loadStarted = Date.now();
  await summarize(note.tabId, 'naive');
  const loadSeconds = seconds(Date.now() - loadStarted);

  // Before the raw baseline's session: the extension with its model loaded and warm.
  const loadedMemory = memory.peaks();

  console.log(
    `Decoding ${PLAN.decodeTokens} tokens, our engine and raw onnxruntime-web in turn, ${DECODE_RUNS} × ${PLAN.decodeRounds} rounds…`,
  );
  // Warm-up: the first generation after a load is slow, and the raw side creates its session here.
  await decode(browser, 'ours', DECODE_PROMPT, 8);
  await decode(browser, 'raw', DECODE_PROMPT, 8);
  const ours: BenchDecode[] = [];
  const raw: BenchDecode[] = [];
  // Each run's ratio of medians, over alternated rounds: the spread of these is what the ratio is worth.
  const runRatios: number[] = [];
  for (let run = 0; run < DECODE_RUNS; run++) {
    const oursRun: BenchDecode[] = [];
    const rawRun: BenchDecode[] = [];
    for (let i = 0; i < PLAN.decodeRounds; i++) {
      // Alternated which side goes first, so a drift in the machine's load falls on both.
      const order =
        (run * PLAN.decodeRounds + i) % 2 === 0 ? (['ours', 'raw'] as const) : (['raw', 'ours'] as const);
      for (const way of order)
        (way === 'ours' ? oursRun : rawRun).push(
          await decode(browser, way, DECODE_PROMPT, PLAN.decodeTokens),
        );
      console.log(
        `  run ${run + 1} round ${i + 1}: ours ${round1(oursRun.at(-1)?.tokensPerSecond ?? 0)}, raw ${round1(rawRun.at(-1)?.tokensPerSecond ?? 0)} tokens/s`,
      );
    }
    runRatios.push(
      median(oursRun.map((r) => r.tokensPerSecond)) / median(rawRun.map((r) => r.tokensPerSecond)),
    );
    ours.push(...oursRun);
    raw.push(...rawRun);
  }
  for (const [side, runs] of [
    ['ours', ours],
    ['raw', raw],
  ] as const) {
    if (runs.some((run) => run.newTokens !== PLAN.decodeTokens))
      throw new Error(`${side}: a decode run stopped before ${PLAN.decodeTokens} tokens`);
  }
  const oursSpeed = median(ours.map((run) => run.tokensPerSecond));
  const rawSpeed = median(raw.map((run) => run.tokensPerSecond));
  const decodeRatio = median(runRatios);
  // Half the range of the runs' ratios, over their median: "±x %".
  const decodeSpreadPercent =
    Math.round(((Math.max(...runRatios) - Math.min(...runRatios)) / 2 / decodeRatio) * 1000) / 10;
  const workerEnvironment = await environment(browser);
  console.log(`  decodeOverheadRatio ${ratio(decodeRatio, 1)} ±${decodeSpreadPercent}%`, workerEnvironment);
  await browser.worker.evaluate(() =>
    (globalThis as unknown as { pagewiseBench: Hooks }).pagewiseBench.releaseRaw(),
  );
  console.log(`Summarizing a ${ARTICLE_WORDS}-word article, progressively and the naive way…`);
  const progressive = await summarize(tabId, 'progressive');
  console.log('  progressive:', progressive);
  const naive = await summarize(tabId, 'naive');
  console.log('  naive:', naive);

  console.log('Chatting about it in the side panel…');
  const panel = await browser.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
  await panel.getByTestId('chat-input').waitFor();
  const first = await ask(panel, 'Who runs the bakery on Quay Street, and since when?');
  console.log('  first question:', first);
  const followUp = await ask(panel, 'And what does she remember about the winters?');
  console.log('  follow-up:', followUp);
  await panel.close();

  // In this browser, before it closes: the bench build's worker and its offscreen host, same model.
  console.log('One prompt on one thread in the worker, and on the offscreen host’s threads…');
  const threadedSpeedup = await measureThreadedSpeedup(browser.worker, threadedOptions());
  const benchMemory = memory.stop();
  await browser.close();

  console.log('WebGPU against WASM on the small test model (informational, SwiftShader)…');
  const webgpu = await measureWebgpuVsWasm();

  return {
    measuredAt: new Date().toISOString(),
    browser: 'Chromium (headless), extension service worker, one WASM thread',
    model: BENCH_QWEN_SHAPE.name,
    cores: cpus().length,
    threadedSpeedup,
    articleWords: benchArticleText(ARTICLE_WORDS).split(/\s+/).length,
    pageTokens: progressive.pageTokens,
    summaryParts: progressive.parts,
    summarizeFirstWordsRatio: ratio(progressive.firstWordsMs, naive.firstWordsMs),
    summarizeCompleteRatio: ratio(progressive.completeMs, naive.completeMs),
    followupTtftRatio: ratio(followUp.firstWordsMs, first.firstWordsMs),
    decodeOverheadRatio: ratio(decodeRatio, 1),
    decodeOverheadSpreadPercent: decodeSpreadPercent,
    ...coldStart,
    peakRssMB: benchMemory.extensionMB,
    distMB: Math.round(folderBytes('dist', ['models']) / 1e5) / 10,
    webgpuVsWasm: webgpu.webgpuVsWasm,
    quick: QUICK,
    decode: {
      promptTokens: ours[0]?.promptTokens,
      newTokens: PLAN.decodeTokens,
      rounds: PLAN.decodeRounds,
      runs: DECODE_RUNS,
      runRatios: runRatios.map((value) => ratio(value, 1)),
      oursTokensPerSecond: round1(oursSpeed),
      rawTokensPerSecond: round1(rawSpeed),
      // Each round's ours over raw, taken moments apart: steadier than the medians when the load drifts.
      pairedRatioMedian: ratio(
        median(ours.map((run, i) => run.tokensPerSecond / (raw[i] as BenchDecode).tokensPerSecond)),
        1,
      ),
      // What the engine adds to each step, in ms: the cost that the ratio spreads over the model's step.
      overheadMsPerStep: Math.round((1000 / oursSpeed - 1000 / rawSpeed) * 100) / 100,
      oursRuns: ours.map((run) => round1(run.tokensPerSecond)),
      rawRuns: raw.map((run) => round1(run.tokensPerSecond)),
      sameOrtInstance: workerEnvironment.sameOrtInstance,
      numThreads: workerEnvironment.numThreads,
    },
    memoryMB: {
      note: 'VmRSS added up at one moment, highest over the run. extension: the --extension-process renderer(s) (service worker and extension pages); browser: every process of that Chromium (shared pages counted in each).',
      extensionPeak: benchMemory.extensionMB,
      extensionPeakBeforeRawBaseline: loadedMemory.extensionMB,
      browserPeak: benchMemory.browserMB,
      extensionProcesses: benchMemory.extensionProcesses,
      samples: benchMemory.samples,
    },
    seconds: {
      modelLoadAndWarmUp: loadSeconds,
      progressiveFirstWords: seconds(progressive.firstWordsMs),
      progressiveComplete: seconds(progressive.completeMs),
      naiveFirstWords: seconds(naive.firstWordsMs),
      naiveComplete: seconds(naive.completeMs),
      firstQuestionFirstWords: seconds(first.firstWordsMs),
      followupFirstWords: seconds(followUp.firstWordsMs),
    },
    webgpuVsWasmDetail: webgpu.webgpuVsWasmDetail,
  };
}

/** The offscreen host's memory is read from this browser's processes, over the bench model's file. */
const threadedOptions = () => ({ profileDir: profile.dir, weightsBytes: statSync(BENCH_WEIGHTS_FILE).size });

/** Only the threaded comparison. */
async function threadsRun() {
  console.log('One prompt on one thread in the worker, and on the offscreen host’s threads…');
  const threadedSpeedup = await measureThreadedSpeedup(browser.worker, threadedOptions());
  return {
    measuredAt: new Date().toISOString(),
    model: BENCH_QWEN_SHAPE.name,
    cores: cpus().length,
    threadedSpeedup,
  };
}

try {
  const results = THREADS_ONLY ? await threadsRun() : await fullRun();
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
} finally {
  memory.stop();
  await browser.close();
  await site.close();
  profile.remove();
}
