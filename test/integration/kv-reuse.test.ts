import { expect, test } from 'vitest';
import { createEngine } from '../../src/engine/engine';
import { TEST_TINY_LLAMA } from '../../src/engine/registry';
import type { ChatMessage } from '../../src/model';
import { longArticleText } from '../support/article';
import { createTestBackend } from '../support/engine';

// A multi-turn chat on the real engine: follow-ups reuse the KV cache of the turns before them.

const signal = () => new AbortController().signal;

/*
 * fp32: the q8 graph quantizes activations with one scale per call (DynamicQuantizeLinear), so reading a
 * prompt in different chunks gives slightly different numbers, and random weights have near-tied logits.
 * In fp32 a cached and a fresh read agree to rounding, so greedy answers must match exactly.
 */
const FP32_MODEL = { ...TEST_TINY_LLAMA, dtype: 'fp32' as const };

test('follow-ups read only the new part of the prompt, and answer exactly as a full read would', async () => {
  const engine = createEngine(createTestBackend(), FP32_MODEL);
  const page = longArticleText(1_200);
  const questions = ['What changed at the harbour?', 'Who stayed?', 'What comes next?'];
  const messages: ChatMessage[] = [{ role: 'system', content: `Answer from this page:\n${page}` }];
  const turns: { promptTokens: number; reusedTokens: number; ttft: number; text: string }[] = [];

  for (const question of questions) {
    messages.push({ role: 'user', content: question });
    const result = await engine.run(
      (session) => session.generate(messages, { maxNewTokens: 24, signal: signal(), cacheKey: 'chat-1' }),
      { signal: signal() },
    );
    // The same prompt read from scratch, without a cache: greedy decoding must give the same answer.
    const fresh = await engine.run(
      (session) => session.generate(messages, { maxNewTokens: 24, signal: signal() }),
      {
        signal: signal(),
      },
    );
    expect(result.text).toBe(fresh.text);
    expect(fresh.reusedTokens).toBe(0);
    turns.push({ ...result, ttft: result.timeToFirstTokenMs });
    // An answer the model did not write is tokenized like the rest: cached and fresh reads see the same tokens.
    messages.push({ role: 'assistant', content: `The page says this about “${question}”.` });
  }

  expect(turns[0]?.reusedTokens).toBe(0);
  for (const turn of turns.slice(1)) {
    expect(turn.reusedTokens).toBeGreaterThan(0);
    expect(turn.promptTokens - turn.reusedTokens).toBeLessThan(turn.promptTokens);
  }
  console.info(
    `[kv-reuse] ${turns
      .map(
        (t, i) =>
          `turn ${i + 1}: prompt ${t.promptTokens} tokens, ${t.reusedTokens} from cache, first token ${t.ttft.toFixed(0)} ms`,
      )
      .join('; ')}`,
  );
  await engine.dispose();
});

test('a follow-up reads only its new turn: the answer before it keeps the tokens the model wrote', async () => {
  const engine = createEngine(createTestBackend(), TEST_TINY_LLAMA);
  const messages: ChatMessage[] = [
    { role: 'system', content: `Answer from this page:\n${longArticleText(800)}` },
  ];
  const ANSWER_TOKENS = 40;
  for (const question of ['What changed at the harbour?', 'Who stayed?', 'What comes next?']) {
    messages.push({ role: 'user', content: question });
    let questionTokens = 0;
    const result = await engine.run(
      (session) => {
        questionTokens = session.countTokens(question);
        return session.generate(messages, {
          maxNewTokens: ANSWER_TOKENS,
          signal: signal(),
          cacheKey: 'chat-3',
        });
      },
      { signal: signal() },
    );
    if (messages.length > 2) {
      const read = result.promptTokens - result.reusedTokens;
      // The question and the chat template's few markers around it; never the answer again.
      expect(read).toBeLessThanOrEqual(questionTokens + 16);
      expect(read).toBeLessThan(ANSWER_TOKENS);
    }
    // Random weights write text that tokenizes back to other tokens: the cache must not depend on it.
    messages.push({ role: 'assistant', content: result.text });
  }
  await engine.dispose();
});

test('a changed prefix (another page) drops the cache instead of reusing the wrong tokens', async () => {
  const engine = createEngine(createTestBackend(), TEST_TINY_LLAMA);
  const ask = (system: string) =>
    engine.run(
      (session) =>
        session.generate(
          [
            { role: 'system', content: system },
            { role: 'user', content: 'Summarize.' },
          ],
          { maxNewTokens: 8, signal: signal(), cacheKey: 'chat-2' },
        ),
      { signal: signal() },
    );
  await ask(`Page A: ${longArticleText(600)}`);
  const other = await ask(`Another page entirely: ${longArticleText(900).split('').reverse().join('')}`);
  // Only the chat template's opening tokens can be shared.
  expect(other.reusedTokens).toBeLessThan(10);
  await engine.dispose();
});

test('forgetting a conversation drops its KV cache, and only its own', async () => {
  const engine = createEngine(createTestBackend(), TEST_TINY_LLAMA);
  // Nothing is loaded yet: forgetting is a no-op, not a load or a failure.
  engine.forget('chat-3');
  const messages: ChatMessage[] = [
    { role: 'system', content: `Answer from this page:\n${longArticleText(400)}` },
    { role: 'user', content: 'What changed?' },
  ];
  const ask = (cacheKey: string) =>
    engine.run((session) => session.generate(messages, { maxNewTokens: 4, signal: signal(), cacheKey }), {
      signal: signal(),
    });
  await ask('chat-3');
  await ask('chat-4');
  expect((await ask('chat-3')).reusedTokens).toBeGreaterThan(50);

  engine.forget('chat-4');
  expect((await ask('chat-3')).reusedTokens).toBeGreaterThan(50);
  engine.forget('chat-3');
  expect((await ask('chat-3')).reusedTokens).toBe(0);
  await engine.dispose();
});

test('a conversation forgotten while it is being answered is not kept when the answer ends', async () => {
  const engine = createEngine(createTestBackend(), TEST_TINY_LLAMA);
  const messages: ChatMessage[] = [
    { role: 'system', content: `Answer from this page:\n${longArticleText(400)}` },
    { role: 'user', content: 'What changed?' },
  ];
  const ask = (onToken?: () => void) =>
    engine.run(
      (session) =>
        session.generate(messages, { maxNewTokens: 6, signal: signal(), cacheKey: 'chat-5', onToken }),
      { signal: signal() },
    );
  // Deleted mid-answer, as the history's Delete does while the panel streams.
  await ask(() => engine.forget('chat-5'));
  expect((await ask()).reusedTokens).toBe(0);
  expect((await ask()).reusedTokens).toBeGreaterThan(50);
  await engine.dispose();
});
