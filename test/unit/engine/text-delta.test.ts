import { describe, expect, test } from 'vitest';
import { createTextDelta } from '../../../src/engine/text-delta';

// A byte-level "tokenizer": one token per UTF-8 byte, the worst case for multi-byte characters.
const decoder = new TextDecoder();
const decode = (ids: number[]) => {
  // Like real tokenizers, which throw on an empty list.
  if (ids.length === 0) throw new Error('token_ids must be a non-empty array of integers.');
  return decoder.decode(Uint8Array.from(ids));
};
const bytes = (text: string) => [...new TextEncoder().encode(text)];

describe('text deltas', () => {
  test.each(['héllo wörld', 'Emoji 👋🏽 and 🇸🇪 flags', '中文摘要，日本語の要約', 'plain ascii'])(
    'streaming %s byte by byte never shows a broken character and adds up to the text',
    (text) => {
      const delta = createTextDelta(decode);
      const pieces = bytes(text).map((id) => delta.push(id));
      for (const piece of pieces) expect(piece).not.toContain('\uFFFD');
      expect(pieces.join('')).toBe(text);
      expect(delta.text).toBe(text);
      expect(delta.tokenCount).toBe(bytes(text).length);
    },
  );

  test('a character cut off at the end is left out rather than shown broken', () => {
    const delta = createTextDelta(decode);
    const pieces = bytes('ok 👋')
      .slice(0, -1)
      .map((id) => delta.push(id));
    expect(pieces.join('')).toBe('ok ');
    expect(delta.text).toBe('ok ');
  });

  test('text that a decoder rewrites is never retracted', () => {
    // A decoder that drops a trailing space until more text follows (like clean-up of spaces).
    const words = ['Hello', ' world', '!'];
    const delta = createTextDelta((ids) =>
      ids
        .map((i) => words[i])
        .join('')
        .replace(/ $/, ''),
    );
    const pieces = [0, 1, 2].map((id) => delta.push(id));
    expect(pieces.join('')).toBe('Hello world!');
  });
});

test('each token decodes a short window, not the whole answer', () => {
  const lengths: number[] = [];
  const delta = createTextDelta((ids) => {
    lengths.push(ids.length);
    return decode(ids);
  });
  for (const id of bytes('a fairly long answer, written one byte at a time, '.repeat(20))) delta.push(id);
  expect(delta.text.length).toBeGreaterThan(900);
  expect(Math.max(...lengths)).toBeLessThanOrEqual(4);
});
