import { afterAll, expect, test } from 'vitest';
import type { BenchDecode, BenchEnvironment } from '../../background/bench-hooks';
import type { ChatMessage } from '../../src/model';
import { type Browser, launchBrowser } from './harness';

// The bench's figures rest on its hooks in the worker (the test build has them too): the raw onnxruntime
// loop must run in the real service worker on the ort instance transformers.js uses, one thread, and write
// exactly as many tokens as our engine; and the WebGPU run needs a browser whose worker gets an adapter.

type Hooks = {
  decodeOurs(messages: ChatMessage[], newTokens: number): Promise<BenchDecode>;
  decodeRaw(messages: ChatMessage[], newTokens: number): Promise<BenchDecode>;
  releaseRaw(): Promise<void>;
  environment(): Promise<BenchEnvironment>;
};

const browsers: Browser[] = [];
afterAll(async () => {
  for (const browser of browsers) await browser.close();
});

const messages: ChatMessage[] = [{ role: 'user', content: 'Tell me about the harbour and its boats.' }];

test('in the worker, the raw loop and Session.generate decode the same prompt for the same count of tokens', async () => {
  const browser = await launchBrowser();
  browsers.push(browser);
  const run = (way: 'ours' | 'raw') =>
    browser.worker.evaluate(
      ({ way, messages }) => {
        const hooks = (globalThis as unknown as { pagewiseBench: Hooks }).pagewiseBench;
        return way === 'ours' ? hooks.decodeOurs(messages, 24) : hooks.decodeRaw(messages, 24);
      },
      { way, messages },
    );
  const ours = await run('ours');
  const raw = await run('raw');
  expect(ours.newTokens).toBe(24);
  expect(raw.newTokens).toBe(24);
  expect(raw.promptTokens).toBe(ours.promptTokens);
  expect(raw.tokensPerSecond).toBeGreaterThan(0);
  expect(ours.tokensPerSecond).toBeGreaterThan(0);
  const environment = await browser.worker.evaluate(() =>
    (globalThis as unknown as { pagewiseBench: Hooks }).pagewiseBench.environment(),
  );
  expect(environment.sameOrtInstance).toBe(true);
  expect(environment.numThreads).toBe(1);
  // Started with the GPU off, as every other browser test is.
  expect(environment.gpuAdapter).toMatch(/^no /);
  await browser.worker.evaluate(() =>
    (globalThis as unknown as { pagewiseBench: Hooks }).pagewiseBench.releaseRaw(),
  );
});

test('a browser started for WebGPU gives the worker an adapter', async () => {
  const browser = await launchBrowser(undefined, undefined, { webgpu: true });
  browsers.push(browser);
  const environment = await browser.worker.evaluate(() =>
    (globalThis as unknown as { pagewiseBench: Hooks }).pagewiseBench.environment(),
  );
  // SwiftShader on a machine without a GPU; a real adapter's name elsewhere.
  expect(environment.gpuAdapter).not.toMatch(/^no /);
});
