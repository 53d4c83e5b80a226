import { expect, test } from 'vitest';
import { conversationUrl, samePage } from '../../src/page-url';

test.each([
  ['https://example.org/a#b', 'https://example.org/a'],
  ['https://example.org/a?q=1', 'https://example.org/a?q=1'],
  ['https://example.org/a', 'https://example.org/a'],
])('conversationUrl(%s) is %s', (url, expected) => {
  expect(conversationUrl(url)).toBe(expected);
});

test.each([
  ['https://example.org/a#top', 'https://example.org/a#end', true],
  ['https://example.org/a', 'https://example.org/a#end', true],
  ['https://example.org/a?p=1', 'https://example.org/a?p=2', false],
  ['https://example.org/a', 'https://example.org/b', false],
])('samePage(%s, %s) is %s', (a, b, expected) => {
  expect(samePage(a, b)).toBe(expected);
});
