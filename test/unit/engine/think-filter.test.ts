import * as fc from 'fast-check';
import { expect, test } from 'vitest';
import { createThinkFilter, stripThinking } from '../../../src/engine/think-filter';

test.each([
  ['<think>\nThe user wants a summary.\n</think>\n\nThe page is about tides.', 'The page is about tides.'],
  ['<think></think>\n\nShort answer.', 'Short answer.'],
  ['No thinking at all.', 'No thinking at all.'],
  ['Before <think>hidden</think> after', 'Before after'],
  ['a < b and <thin is not a tag', 'a < b and <thin is not a tag'],
  ['<think>never closed, so dropped', ''],
])('%j reads %j', (raw, visible) => {
  expect(stripThinking(raw)).toBe(visible);
});

test('streamed in any pieces, the visible text is the same as stripping the whole', () => {
  const piece = fc.constantFrom('<think>', '</think>', '<', 'think', '>', '</', ' ', '\n', 'word', 'é', '😀');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 10 }), (parts, cuts) => {
      const whole = parts.join('');
      const points = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
      const filter = createThinkFilter();
      let streamed = '';
      let from = 0;
      for (const point of [...points, whole.length]) {
        streamed += filter.push(whole.slice(from, point));
        from = point;
      }
      streamed += filter.end();
      expect(streamed).toBe(stripThinking(whole));
      // An independent reading of the rule. Text around a block may still spell a tag once the block is
      // gone ("<" + block + "think>"): what the model wrote outside blocks is shown as written.
      expect(streamed).toBe(whole.replace(/<think>[\s\S]*?(?:<\/think>\s*|$)/g, ''));
    }),
    { numRuns: 500 },
  );
});

test('nothing inside a block is ever shown, even before the block closes', () => {
  const filter = createThinkFilter();
  const shown = ['<thi', 'nk>secret plan', ' more', '</thi', 'nk>', '\n\nHello'].map((p) => filter.push(p));
  expect(shown.join('')).toBe('Hello');
  expect(shown.join('')).not.toMatch(/secret/);
});
