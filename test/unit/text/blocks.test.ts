import { describe, expect, test } from 'vitest';
import { collapse } from '../../../src/text/blocks';

describe('collapse', () => {
  test.each([
    ['short text stays', 'The moon pulls.', 'The moon pulls.'],
    ['blocks and spaces fold into one line', '## Causes\n\n The  moon\npulls. ', '## Causes The moon pulls.'],
    ['long text stays whole', 'word '.repeat(200), 'word '.repeat(200).trim()],
  ])('%s', (_, text, expected) => {
    expect(collapse(text)).toBe(expected);
  });
});
