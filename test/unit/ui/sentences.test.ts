import { describe, expect, test } from 'vitest';
import { newSentences, spokenText } from '../../../src/ui/sentences';

describe('a streamed text is announced sentence by sentence', () => {
  test('an unfinished sentence waits; a finished one is said once', () => {
    expect(newSentences('The tide rises', 0, false, 'en')).toEqual({ say: '', upTo: 0 });
    const first = newSentences('The tide rises. It falls', 0, false, 'en');
    expect(first.say).toBe('The tide rises.');
    const next = newSentences('The tide rises. It falls twice a day. Then', first.upTo, false, 'en');
    expect(next.say).toBe('It falls twice a day.');
  });

  test('when the stream ends, the rest is said', () => {
    const text = 'The tide rises. It falls';
    const { upTo } = newSentences(text, 0, false, 'en');
    expect(newSentences(text, upTo, true, 'en')).toEqual({ say: 'It falls', upTo: text.length });
  });

  test('sentences end the reader language’s way', () => {
    expect(newSentences('潮が満ちる。潮が引く', 0, false, 'ja').say).toBe('潮が満ちる。');
  });

  test('Markdown marks are not read out', () => {
    expect(spokenText('## Tides\n- **Spring** tides, see [the chart](https://example.com) and `code`.')).toBe(
      'Tides Spring tides, see the chart and code.',
    );
  });
});
