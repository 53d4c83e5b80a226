import { expect, test } from 'vitest';
import { conversationUrl, linkKey, samePage } from '../../src/page-url';

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

test.each([
  ['https://example.org/a#b', 'https://example.org/a'],
  ['HTTPS://Example.org:443/a?q=1', 'https://example.org/a?q=1'],
  ['https://example.org/caf\u00e9', 'https://example.org/caf%C3%A9'],
  ['mailto:me@example.org', 'mailto:me@example.org'],
  ['javascript:alert(1)', null],
  ['data:text/html,x', null],
  ['/relative', null],
  ['not a url', null],
])('linkKey(%s) is %s', (url, expected) => {
  expect(linkKey(url)).toBe(expected);
});
