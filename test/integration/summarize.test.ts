import { describe, expect, test } from 'vitest';
import { createEngine } from '../../src/engine/engine';
import { TEST_TINY_LLAMA } from '../../src/engine/registry';
import { partPointsPrompt, SUMMARY_OUTPUT_TOKENS } from '../../src/summarize/prompts';
import { summarizePage } from '../../src/summarize/summarize-page';
import { FIRST_SUMMARY_PART_TOKENS, MAX_SUMMARY_PARTS } from '../../src/text/limits';
import { longArticleText, pageContent } from '../support/article';
import { createTestBackend } from '../support/engine';

// The real transformers.js engine on the generated random-weight model (onnxruntime-node).

const page = (text: string) => pageContent(text, { byline: 'Ana Lund', siteName: 'The Coast Gazette' });

describe('summarizing with the real engine', () => {
  const engine = createEngine(createTestBackend(), TEST_TINY_LLAMA);

  test('a model that reads prompts fast (a GPU tier) takes in one pass a page that one thread reads in parts', async () => {
    const article = page(longArticleText(800));
    const run = (model: typeof TEST_TINY_LLAMA) =>
      createEngine(createTestBackend(), model).run(
        async (session) => ({
          tokens: session.countTokens(article.text),
          summary: await summarizePage(session, article, 'brief', { signal: new AbortController().signal }),
        }),
        { signal: new AbortController().signal },
      );
    const slow = await run({ ...TEST_TINY_LLAMA, singlePassTokens: 200, firstPartTokens: 100 });
    expect(slow.tokens).toBeGreaterThan(200);
    expect(slow.summary.parts).toBeGreaterThan(1);
    const fast = await run({ ...TEST_TINY_LLAMA, singlePassTokens: 700 });
    expect(fast.tokens).toBeLessThan(700);
    expect(fast.summary.parts).toBe(1);
  });

  test('a long article is read progressively: each part’s points stream as written, an overview ends it', async () => {
    const parts: [number, number][] = [];
    const promptSizes: number[] = [];
    let streamed = '';
    let beforeOverview = '';
    let overhead = 0;
    const article = page(longArticleText(4_500));
    const summary = await engine.run(
      (session) => {
        overhead = session.countPromptTokens(partPointsPrompt(article, '', 'standard', 1, 9));
        return summarizePage(session, article, 'standard', {
          signal: new AbortController().signal,
          onPart: (index, count) => {
            parts.push([index, count]);
            promptSizes.push(0);
          },
          onPrefill: (_, total) => {
            promptSizes[promptSizes.length - 1] = total;
          },
          onWriting: () => {
            beforeOverview = streamed;
          },
          onToken: (text) => {
            streamed += text;
          },
        });
      },
      { signal: new AbortController().signal },
    );
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.map(([index]) => index)).toEqual(parts.map((_, i) => i + 1));
    expect(new Set(parts.map(([, count]) => count))).toEqual(new Set([parts.length]));
    // The first part is small, so its points come first and fast; the next ones are larger.
    expect(promptSizes[0]).toBeLessThan(promptSizes[1] as number);
    expect(promptSizes[0]).toBeLessThanOrEqual(overhead + FIRST_SUMMARY_PART_TOKENS + 8);
    // Every part's points were on screen before the overview was written, and they stay in the summary.
    for (const [index, count] of parts) expect(beforeOverview).toContain(`**Part ${index} of ${count}**`);
    expect(summary.text.startsWith(beforeOverview)).toBe(true);
    expect(summary.text).toContain('**In short**');
    expect(summary.parts).toBe(parts.length);
    expect(summary.coverage).toBe(1);
    expect(streamed).toBe(summary.text);
  });

  test('a short page is summarized in one pass', async () => {
    const parts: number[] = [];
    const summary = await engine.run(
      (session) =>
        summarizePage(session, page('## Short\n\nA short note about the harbour.'), 'brief', {
          signal: new AbortController().signal,
          onPart: (index) => parts.push(index),
        }),
      { signal: new AbortController().signal },
    );
    expect(parts).toEqual([]);
    expect(summary.parts).toBe(1);
  });

  test('a page far beyond the part limit is summarized from its start, and says how much', async () => {
    const summary = await engine.run(
      (session) =>
        summarizePage(session, page(longArticleText(80_000)), 'brief', {
          signal: new AbortController().signal,
        }),
      { signal: new AbortController().signal },
    );
    expect(summary.parts).toBe(MAX_SUMMARY_PARTS);
    expect(summary.coverage).toBeGreaterThan(0);
    expect(summary.coverage).toBeLessThan(1);
  });

  test('Stop ends generation within two tokens', async () => {
    const controller = new AbortController();
    let tokens = 0;
    let tokensAtStop = -1;
    const generation = engine.run(
      (session) =>
        session.generate([{ role: 'user', content: 'Tell me about the harbour.' }], {
          maxNewTokens: 200,
          signal: controller.signal,
          onToken: () => {
            tokens++;
            // Stop from another task, as a port message would arrive, not from inside the token callback.
            if (tokens === 5)
              setTimeout(() => {
                tokensAtStop = tokens;
                controller.abort();
              }, 0);
          },
        }),
      { signal: controller.signal },
    );
    await expect(generation).rejects.toMatchObject({ code: 'cancelled' });
    expect(tokensAtStop).toBeGreaterThanOrEqual(5);
    expect(tokens - tokensAtStop).toBeLessThanOrEqual(2);
  });

  test('never generates past the context size', async () => {
    const result = await engine.run(
      async (session) => {
        // A prompt that leaves only a few tokens of room in the 1,024-token context.
        let text = longArticleText(6_000);
        while (
          session.countPromptTokens([{ role: 'user', content: text }]) >
          TEST_TINY_LLAMA.contextSize - 10
        ) {
          text = text.slice(0, -40);
        }
        return session.generate([{ role: 'user', content: text }], {
          maxNewTokens: SUMMARY_OUTPUT_TOKENS.detailed,
          signal: new AbortController().signal,
        });
      },
      { signal: new AbortController().signal },
    );
    expect(result.promptTokens + result.newTokens).toBeLessThanOrEqual(TEST_TINY_LLAMA.contextSize);
    expect(result.newTokens).toBeGreaterThan(0);
  });

  test('a registry entry that claims more context than the model has is capped at the model’s own', async () => {
    const overclaiming = createEngine(createTestBackend(), { ...TEST_TINY_LLAMA, contextSize: 32_768 });
    const result = await overclaiming.run(
      async (session) => {
        expect(session.model.contextSize).toBe(TEST_TINY_LLAMA.contextSize);
        return session.generate([{ role: 'user', content: longArticleText(1_800) }], {
          maxNewTokens: 2_000,
          signal: new AbortController().signal,
        });
      },
      { signal: new AbortController().signal },
    );
    expect(result.promptTokens + result.newTokens).toBeLessThanOrEqual(TEST_TINY_LLAMA.contextSize);
    await overclaiming.dispose();
  });

  test('requests run one at a time, in arrival order', async () => {
    const order: string[] = [];
    const task = (name: string) =>
      engine.run(
        async (session) => {
          order.push(`${name}:start`);
          await session.generate([{ role: 'user', content: name }], {
            maxNewTokens: 4,
            signal: new AbortController().signal,
          });
          order.push(`${name}:end`);
        },
        { signal: new AbortController().signal },
      );
    await Promise.all([task('a'), task('b'), task('c')]);
    expect(order).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });
});
