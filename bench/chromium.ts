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
 *
 * `BENCH_SCOPE=threads npm run bench` measures only threadedSpeedup (a few minutes), into threads.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { BenchSummary } from '../background/bench-hooks';
import {
  BENCH_QWEN_DIR,
  DECODER_PRESETS,
  ensureDecoderModel,
  ensureTestModels,
} from '../scripts/test-models';
import { BENCH_BUILD_MODE, BENCH_QWEN_SHAPE } from '../src/engine/registry';
import { launchBrowser, serveSite } from '../test/e2e/harness';
import { articleHtml, longArticleHtml } from '../test/support/article';
import { benchArticleText } from './article';
import { measureThreadedSpeedup } from './threaded';

const ARTICLE_WORDS = 3_000;
const BENCH_DIR = 'dist-bench';
const THREADS_ONLY = process.env.BENCH_SCOPE === 'threads';
const RESULTS = new URL(`./results/${THREADS_ONLY ? 'threads' : 'latest'}.json`, import.meta.url);

const seconds = (ms: number) => Math.round(ms / 100) / 10;
const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;

/** Bytes under a folder. */
function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
    const path = join(dir, entry.name);
    return sum + (entry.isDirectory() ? folderBytes(path) : statSync(path).size);
  }, 0);
}

console.log('Preparing the models (the first run writes about 1.1 GB)…');
await ensureDecoderModel(BENCH_QWEN_DIR, DECODER_PRESETS['qwen2.5-0.5b']);
await ensureTestModels();
console.log('Building the extension and the bench build…');
if (!THREADS_ONLY) execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
execFileSync('npx', ['vite', 'build', '--mode', BENCH_BUILD_MODE, '--logLevel', 'warn'], {
  stdio: 'inherit',
});

const site = await serveSite({
  '/article': articleHtml('The harbour, sixty years on', benchArticleText(ARTICLE_WORDS)),
  '/note': longArticleHtml('A short note', 300),
});
const browser = await launchBrowser(BENCH_DIR);

type Hooks = { summarize(tabId: number, way: string, length: string): Promise<BenchSummary> };
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

  console.log('One prompt on one thread in the worker, and on the offscreen host’s threads…');
  const threadedSpeedup = await measureThreadedSpeedup(browser.worker);

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
    seconds: {
      modelLoadAndWarmUp: loadSeconds,
      progressiveFirstWords: seconds(progressive.firstWordsMs),
      progressiveComplete: seconds(progressive.completeMs),
      naiveFirstWords: seconds(naive.firstWordsMs),
      naiveComplete: seconds(naive.completeMs),
      firstQuestionFirstWords: seconds(first.firstWordsMs),
      followupFirstWords: seconds(followUp.firstWordsMs),
    },
    distMB: Math.round(folderBytes('dist') / 1e5) / 10,
  };
}

/** Only the threaded comparison. */
async function threadsRun() {
  console.log('One prompt on one thread in the worker, and on the offscreen host’s threads…');
  const threadedSpeedup = await measureThreadedSpeedup(browser.worker);
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
  await browser.close();
  await site.close();
}
