import type { ChatMessage } from '../src/model';
import { type Browser, launchBrowser } from '../test/e2e/harness';
import type { BenchDecode, BenchEnvironment } from './extension/hooks';

/*
 * The bench's figures rest on its hooks in the worker: the raw onnxruntime loop must run in the real service
 * worker on the ort instance transformers.js uses, on one thread, and write exactly as many tokens as our
 * engine; and the WebGPU run needs a browser whose worker gets an adapter. `npm run bench` checks this on
 * its small build before it measures anything; `npx tsx bench/hooks-check.ts` checks it alone (after
 * `npx vite build --mode bench-small-build`).
 */

type Hooks = {
  decodeOurs(messages: ChatMessage[], newTokens: number): Promise<BenchDecode>;
  decodeRaw(messages: ChatMessage[], newTokens: number): Promise<BenchDecode>;
  releaseRaw(): Promise<void>;
  environment(): Promise<BenchEnvironment>;
};

const messages: ChatMessage[] = [{ role: 'user', content: 'Tell me about the harbour and its boats.' }];
const NEW_TOKENS = 24;

function check(condition: boolean, what: string, found: unknown): void {
  if (!condition) throw new Error(`Bench hooks: ${what} (found ${JSON.stringify(found)})`);
}

const environment = (browser: Browser) =>
  browser.worker.evaluate(() =>
    (globalThis as unknown as { pagewiseBench: Hooks }).pagewiseBench.environment(),
  );

/** Throws, saying what is wrong, unless the bench worker in `extensionDir` has hooks the bench can trust. */
export async function checkBenchHooks(extensionDir: string): Promise<void> {
  const browser = await launchBrowser(extensionDir);
  try {
    const hooks = await browser.worker.evaluate(() =>
      Object.keys((globalThis as { pagewiseBench?: object }).pagewiseBench ?? {}),
    );
    check(
      ['decodeOurs', 'decodeRaw', 'releaseRaw', 'environment'].every((name) => hooks.includes(name)),
      'the worker does not expose them',
      hooks,
    );
    const run = (way: 'ours' | 'raw') =>
      browser.worker.evaluate(
        ({ way, messages, newTokens }) => {
          const hooks = (globalThis as unknown as { pagewiseBench: Hooks }).pagewiseBench;
          return way === 'ours'
            ? hooks.decodeOurs(messages, newTokens)
            : hooks.decodeRaw(messages, newTokens);
        },
        { way, messages, newTokens: NEW_TOKENS },
      );
    const ours = await run('ours');
    const raw = await run('raw');
    check(ours.newTokens === NEW_TOKENS && raw.newTokens === NEW_TOKENS, 'a decode stopped early', {
      ours,
      raw,
    });
    check(raw.promptTokens === ours.promptTokens, 'the raw prompt differs from the session’s', { ours, raw });
    check(raw.tokensPerSecond > 0 && ours.tokensPerSecond > 0, 'a decode was not timed', { ours, raw });
    const found = await environment(browser);
    check(found.sameOrtInstance, 'two onnxruntime-web instances', found);
    check(found.numThreads === 1, 'the worker runs on more than one thread', found);
    // Started with the GPU off.
    check(/^no /.test(found.gpuAdapter), 'a GPU adapter where the GPU is off', found);
    await browser.worker.evaluate(() =>
      (globalThis as unknown as { pagewiseBench: Hooks }).pagewiseBench.releaseRaw(),
    );
  } finally {
    await browser.close();
  }
  const gpuBrowser = await launchBrowser(extensionDir, undefined, { webgpu: true });
  try {
    const found = await environment(gpuBrowser);
    // SwiftShader on a machine without a GPU; a real adapter's name elsewhere.
    check(!/^no /.test(found.gpuAdapter), 'no adapter in a browser started for WebGPU', found);
  } finally {
    await gpuBrowser.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await checkBenchHooks(process.argv[2] ?? 'dist-bench-small');
  console.log('The bench worker exposes its hooks, and they measure what the bench says.');
}
