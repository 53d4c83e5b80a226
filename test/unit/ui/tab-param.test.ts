import { expect, test } from 'vitest';
import { readTabParam } from '../../../src/ui/tab-param';

test.each([
  ['?tab=42', 42],
  ['?foo=1&tab=0', 0],
  ['', null],
  ['?tab=', null],
  ['?tab=-3', null],
  ['?tab=1.5', null],
  ['?tab=abc', null],
  ['?tab=99999999999999999999', null],
])('%s names tab %s', (search, expected) => {
  expect(readTabParam(search)).toBe(expected);
});
