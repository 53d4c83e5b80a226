/**
 * `npm run bench:server`: serverOverheadRatio, what the local-server tier costs over talking to the server
 * directly. One real llama.cpp server on loopback (test/llama-server, the tiny generated model), the same
 * prompt and token count, alternated round by round in one run:
 * - through the extension: the bench worker's `generate` hook, i.e. the engine's queue and the tier's
 *   Session.generate (fetch in the service worker, the NDJSON parser, the token callbacks);
 * - direct: a plain streaming client in Node, reading the same API with the same parser.
 * Reported as ratios, 1 meaning no cost: tokens/s through the extension over direct, and first-token time
 * direct over through the extension. Twice: at the tiny model's own speed (about a thousand tokens a second,
 * where every millisecond of overhead shows), and paced at 50 tokens/s, a 7-8B model's speed on a GPU.
 * Writes bench/results/server.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { ensureTestModels } from '../scripts/test-models';
import { createNdjsonParser } from '../src/engine/backends/local-server/stream-parsers';
import { BENCH_SMALL_BUILD_MODE } from '../src/engine/registry';
import { launchBrowser } from '../test/e2e/harness';
import { type LlamaServer, startLlamaServer } from '../test/llama-server/server';
import { longArticleText } from '../test/support/article';
import type { BenchEnvironment, BenchGeneration } from './extension/hooks';
import { median } from './stats';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const NEW_TOKENS = 256;
const PROMPT = `Summarize in three sentences:\n${longArticleText(1_500)}`;
const RESULTS = new URL('./results/server.json', import.meta.url);

interface Timing {
  timeToFirstTokenMs: number;
  tokensPerSecond: number;
  newTokens: number;
}

/** The same request the tier sends (Ollama's API, as the test server speaks it), read the same way. */
async function direct(server: LlamaServer, contextTokens: number): Promise<Timing> {
  const started = performance.now();
  const response = await fetch(`${server.url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: server.modelName,
      messages: [{ role: 'user', content: PROMPT }],
      stream: true,
      options: { num_ctx: contextTokens, num_predict: NEW_TOKENS },
    }),
  });
  if (!response.body) throw new Error('No body');
  const parser = createNdjsonParser();
  const reader = response.body.getReader();
  let firstAt = 0;
  let lastAt = 0;
  let newTokens = 0;
  for (;;) {
    const { done, value } = await reader.read();
    for (const line of done ? parser.end() : parser.push(value)) {
      const event = JSON.parse(line) as { message?: { content?: string }; eval_count?: number };
      if (event.message?.content) {
        firstAt ||= performance.now();
        lastAt = performance.now();
      }
      if (typeof event.eval_count === 'number') newTokens = event.eval_count;
    }
    if (done) break;
  }
  return {
    timeToFirstTokenMs: firstAt - started,
    tokensPerSecond: ((newTokens - 1) * 1000) / (lastAt - firstAt),
    newTokens,
  };
}

const round = (value: number, places = 3) => Math.round(value * 10 ** places) / 10 ** places;

console.log('Building the bench worker with the test models…');
await ensureTestModels();
execFileSync('npx', ['vite', 'build', '--mode', BENCH_SMALL_BUILD_MODE, '--logLevel', 'warn'], {
  stdio: 'inherit',
});
const server = await startLlamaServer({ checkOrigin: true });
const browser = await launchBrowser('dist-bench-small');
try {
  const page = await browser.openExtensionPage('options/index.html');
  const connected = await page.evaluate(
    (url) =>
      chrome.runtime.sendMessage({ protocol: 'pagewise/1', name: 'connectServer', data: { url, key: '' } }),
    server.url,
  );
  if (!connected?.ok) throw new Error(`Connect failed: ${JSON.stringify(connected)}`);
  const contextTokens = (connected.value as { contextTokens: number }).contextTokens;
  await page.close();

  const throughExtension = async (): Promise<Timing> => {
    const run = await browser.worker.evaluate(
      ([prompt, tokens]) =>
        (
          globalThis as unknown as {
            pagewiseBench: { generate(w: 'worker', p: string, n: number): Promise<BenchGeneration> };
          }
        ).pagewiseBench.generate('worker', prompt, tokens),
      [PROMPT, NEW_TOKENS] as const,
    );
    return {
      timeToFirstTokenMs: run.prefillMsPerToken * run.promptTokens,
      tokensPerSecond: run.decodeTokensPerSecond,
      newTokens: run.newTokens,
    };
  };

  const measure = async (label: string) => {
    // Warm both paths (the worker's first fetch, the engine's load check) before timing.
    await throughExtension();
    await direct(server, contextTokens);
    const ours: Timing[] = [];
    const theirs: Timing[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Alternated, and each pair in both orders, so a drift in load falls on both sides.
      if (i % 2 === 0) {
        ours.push(await throughExtension());
        theirs.push(await direct(server, contextTokens));
      } else {
        theirs.push(await direct(server, contextTokens));
        ours.push(await throughExtension());
      }
      console.log(
        `  ${label} round ${i + 1}: extension ${Math.round(ours.at(-1)?.tokensPerSecond ?? 0)} tok/s, first ${Math.round(ours.at(-1)?.timeToFirstTokenMs ?? 0)} ms; direct ${Math.round(theirs.at(-1)?.tokensPerSecond ?? 0)} tok/s, first ${Math.round(theirs.at(-1)?.timeToFirstTokenMs ?? 0)} ms`,
      );
    }
    const speed = (runs: Timing[]) => median(runs.map((run) => run.tokensPerSecond));
    const first = (runs: Timing[]) => median(runs.map((run) => run.timeToFirstTokenMs));
    return {
      tokensPerSecondRatio: round(speed(ours) / speed(theirs)),
      firstTokenRatio: round(first(theirs) / first(ours)),
      extension: { tokensPerSecond: round(speed(ours), 1), firstTokenMs: round(first(ours), 1) },
      direct: { tokensPerSecond: round(speed(theirs), 1), firstTokenMs: round(first(theirs), 1) },
      newTokens: ours[0]?.newTokens,
    };
  };

  const environment = await browser.worker.evaluate(() =>
    (
      globalThis as unknown as { pagewiseBench: { environment(): Promise<BenchEnvironment> } }
    ).pagewiseBench.environment(),
  );
  if (environment.engineTier !== 'local-server') {
    throw new Error(`The engine ran on ${environment.engineTier}, not the local server`);
  }
  const unpaced = await measure('unpaced');
  server.options.tokenDelayMs = 20;
  const paced = await measure('50 tok/s');
  const results = {
    measuredAt: new Date().toISOString(),
    server: 'test/llama-server (node-llama-cpp 3.22.1, CPU, one thread), Ollama API, loopback',
    model: 'generated tiny llama (2 layers, dimension 64), random weights',
    promptChars: PROMPT.length,
    rounds: ROUNDS,
    serverOverheadRatio: Math.min(unpaced.tokensPerSecondRatio, unpaced.firstTokenRatio),
    unpaced,
    pacedAt50TokensPerSecond: paced,
    note: 'Ratios of medians; 1 = no cost. tokensPerSecondRatio: extension over direct; firstTokenRatio: direct over extension (times). serverOverheadRatio: the lower of the two, unpaced. The direct client runs in the server’s own Node process.',
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
} finally {
  await browser.close();
  await server.close();
}
