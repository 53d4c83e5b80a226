import { createServer } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type LlamaServer, startLlamaServer } from '../llama-server/server';
import { longArticleHtml } from '../support/article';
import { type Browser, launchBrowser, type Site, serveSite } from './harness';

/*
 * The local-server tier in real Chromium against a real llama.cpp engine on loopback (test/llama-server):
 * Connect, summaries and chat through Ollama's API and OpenAI's, Stop closing the server's connection, a
 * wrong key, a server dying mid-answer and Retry after its restart, the fallback of automatic and the message
 * of a picked tier, and the Origin rule's scope.
 */

let browser: Browser;
let site: Site;
let server: LlamaServer;
let settings: Page;
let tabId: number;

beforeAll(async () => {
  site = await serveSite({ '/article': longArticleHtml('The harbour, sixty years on', 600) });
  // Like Ollama: refuses an Origin it does not list, as it refuses chrome-extension:// ones. Two models
  // listed, so the user picks one.
  server = await startLlamaServer({ checkOrigin: true, aliases: ['qwen3:8b'] });
  browser = await launchBrowser();
  ({ tabId } = await browser.openTab(`${site.origin}/article`));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await site?.close();
});

/** A loopback port nothing listens on. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const address = probe.address();
  await new Promise((done) => probe.close(done));
  return typeof address === 'object' && address ? address.port : 0;
}

const serverStatus = () => settings.getByTestId('server-status');
const chats = () =>
  server.requests.filter((r) => r.path === '/api/chat' || r.path === '/v1/chat/completions');

async function connect(url: string, key = ''): Promise<void> {
  await settings.getByTestId('server-url').fill(url);
  await settings.getByTestId('server-key').fill(key);
  await settings.getByTestId('server-connect').click();
  await expect.poll(() => serverStatus().getAttribute('data-state')).toMatch(/connected|error/);
}

/** Summarizes the article in a fresh popup; resolves with the popup once its run has ended. */
async function summarize(): Promise<Page> {
  const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
  await popup.getByTestId('summarize').click();
  await expect
    .poll(() => popup.getByTestId('status').getAttribute('data-state'), { timeout: 120_000 })
    .toMatch(/done|error/);
  return popup;
}

test('nothing is sent before Connect; Connect lists the models and the tier becomes automatic’s choice', async () => {
  settings = await browser.openExtensionPage('options/index.html');
  await expect.poll(() => serverStatus().getAttribute('data-state')).toBe('off');
  expect(await settings.getByTestId('server-url').inputValue()).toBe('http://127.0.0.1:11434');
  const tier = settings.locator('[data-testid="engine-tier"][data-tier="local-server"]');
  await expect.poll(() => tier.getAttribute('data-state')).toBe('unavailable');
  expect(server.requests).toEqual([]);

  const dead = `http://127.0.0.1:${await freePort()}`;
  await connect(dead);
  expect(await serverStatus().getAttribute('data-state')).toBe('error');
  expect(await serverStatus().textContent()).toBe(`Nothing answers at ${dead}. Is the server running?`);

  await connect(server.url);
  expect(await serverStatus().getAttribute('data-state')).toBe('connected');
  expect(await serverStatus().textContent()).toContain('pick one of its 2 models');
  const picker = settings.getByTestId('server-model');
  expect(await picker.locator('option').allTextContents()).toEqual([
    'Pick a model',
    server.modelName,
    'qwen3:8b',
  ]);
  // Listed, not yet picked: the tier waits for the pick.
  await expect.poll(() => tier.textContent()).toContain('pick a model under Local server');
  expect(await tier.getAttribute('data-state')).toBe('unavailable');
  await picker.selectOption(server.modelName);
  await expect.poll(() => serverStatus().textContent()).toContain(`using ${server.modelName}`);
  await expect.poll(() => tier.getAttribute('data-state')).toBe('available');
  expect(await tier.textContent()).toContain(`${server.modelName} on ${server.url}, 4,096 tokens of context`);
  expect(await tier.getAttribute('aria-current')).toBe('true');
  expect(server.requests.map((r) => r.path)).toEqual(['/api/version', '/api/tags', '/api/show']);
});

test('summary and chat through Ollama’s API; only the extension’s own requests lose their Origin', async () => {
  const popup = await summarize();
  expect(await popup.getByTestId('status').getAttribute('data-state')).toBe('done');
  expect(await popup.getByTestId('status').textContent()).toContain(
    `Done · Local server (${server.modelName})`,
  );
  await popup.close();
  const summary = chats().at(-1);
  expect(summary).toMatchObject({ path: '/api/chat', status: 200, aborted: false });
  expect(JSON.stringify(summary?.body)).toContain('harbour');
  // The context length came from /api/show, and goes with every request (Ollama's default is smaller).
  expect(summary?.body).toMatchObject({ options: { num_ctx: 4096 } });

  const panel = await browser.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
  await panel.getByTestId('chat-input').fill('Who runs the harbour?');
  await panel.getByTestId('chat-input').press('Enter');
  await expect
    .poll(() => panel.getByTestId('status').getAttribute('data-state'), { timeout: 120_000 })
    .toBe('done');
  const answer = panel.locator('[data-testid="chat-message"][data-role="assistant"] .message__answer');
  // The answer's Markdown lands on a frame after the status says done.
  await expect.poll(async () => (await answer.first().textContent())?.length ?? 0).toBeGreaterThan(5);
  await panel.close();
  expect(JSON.stringify(chats().at(-1)?.body)).toContain('Who runs the harbour?');

  // Every request the extension made reached the Origin-checking server without an Origin.
  expect(server.requests.filter((r) => r.origin !== undefined)).toEqual([]);
  // A web page's request to the same server keeps its own: the rule is the extension's alone.
  const { page } = await browser.openTab(`${site.origin}/article`);
  await page.evaluate(async (url) => {
    await fetch(`${url}/api/chat`, { method: 'POST', mode: 'no-cors', body: '{"model":"x"}' });
  }, server.url);
  await expect.poll(() => server.requests.at(-1)?.origin).toBe(site.origin);
  await page.close();
});

test('Stop closes the connection: the server sees its answer aborted', async () => {
  server.options.tokenDelayMs = 100;
  const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
  const before = chats().length;
  await popup.getByTestId('summarize').click();
  // This summary's own request first: the chat before it also had tokens.
  await expect.poll(() => chats().length, { timeout: 60_000, interval: 20 }).toBe(before + 1);
  await expect.poll(() => chats().at(-1)?.tokens ?? 0, { timeout: 60_000, interval: 20 }).toBeGreaterThan(1);
  await popup.getByTestId('stop').click();
  await expect.poll(() => chats().at(-1)?.aborted, { timeout: 10_000 }).toBe(true);
  const tokens = chats().at(-1)?.tokens ?? 0;
  expect(tokens).toBeLessThan(50);
  await popup.close();
  server.options.tokenDelayMs = 0;
});

test('OpenAI’s API with an API key: a wrong key gets a clear message, the right one works', async () => {
  server.options.ollama = false;
  server.options.apiKey = 'right-key';
  await connect(server.url, 'wrong-key');
  expect(await serverStatus().getAttribute('data-state')).toBe('error');
  expect(await serverStatus().textContent()).toContain('(401 Unauthorized)');
  await connect(server.url, 'right-key');
  expect(await serverStatus().getAttribute('data-state')).toBe('connected');

  const popup = await summarize();
  expect(await popup.getByTestId('status').getAttribute('data-state')).toBe('done');
  await popup.close();
  expect(chats().at(-1)).toMatchObject({
    path: '/v1/chat/completions',
    status: 200,
    authorization: 'Bearer right-key',
  });
  // The page's own request never carries the key.
  expect(server.requests.filter((r) => r.origin !== undefined).map((r) => r.authorization)).toEqual([
    undefined,
  ]);
});

test('the server dies mid-answer: the partial answer is kept and marked; restarted, Retry answers', async () => {
  const panel = await browser.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
  const assistant = panel.locator('[data-testid="chat-message"][data-role="assistant"]');
  const count = await assistant.count();
  server.dieAfter(6);
  await panel.getByTestId('chat-input').fill('What happened after the storm?');
  await panel.getByTestId('chat-input').press('Enter');
  await expect
    .poll(() => panel.getByTestId('status').getAttribute('data-state'), { timeout: 60_000 })
    .toBe('error');
  expect(await panel.getByTestId('error').textContent()).toContain('stopped in the middle of the answer');
  const partial = assistant.nth(count);
  expect(await partial.getAttribute('data-status')).toBe('interrupted');
  expect((await partial.locator('.message__answer').textContent())?.length).toBeGreaterThan(0);

  await server.start();
  await panel.getByTestId('retry').click();
  await expect
    .poll(() => panel.getByTestId('status').getAttribute('data-state'), { timeout: 120_000 })
    .toBe('done');
  expect(await assistant.nth(count).getAttribute('data-status')).toBe('complete');
  await panel.close();
});

test('automatic falls back with a note; a server picked by hand says what failed', async () => {
  await server.stop();
  // A fresh worker: the loaded session would otherwise go on to the stopped server.
  await browser.stopWorker();
  const popup = await summarize();
  expect(await popup.getByTestId('status').getAttribute('data-state')).toBe('done');
  expect(await popup.getByTestId('status').textContent()).toContain('(Local server failed on this computer)');
  await popup.close();

  // Connect again lets the failed tier be tried again; then it is picked by hand.
  await server.start();
  await connect(server.url, 'right-key');
  await settings.getByTestId('engine-select').selectOption('local-server');
  server.removeModel(true);
  const gone = await summarize();
  expect(await gone.getByTestId('error').textContent()).toContain(
    `no longer has the model ${server.modelName}`,
  );
  await gone.close();
  server.removeModel(false);

  server.answerNonsense(true);
  const nonsense = await summarize();
  expect(await nonsense.getByTestId('error').textContent()).toContain(
    'did not answer as an OpenAI-compatible server does',
  );
  await nonsense.close();
  server.answerNonsense(false);

  await server.stop();
  const picked = await summarize();
  expect(await picked.getByTestId('error').textContent()).toContain(`Nothing answers at ${server.url}.`);
  await picked.close();
  await server.start();
});
