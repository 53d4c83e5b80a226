import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

// Each page gets its own JSDOM window (own URL, fresh document). That also proves the extractors use only
// the document and window they are given, never globals: the unit project runs in the node environment.

export const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/${name}.html`, import.meta.url), 'utf8');

export type TestWindow = Window & typeof globalThis;

export function load(html: string, url = 'https://news.example/2026/urban-bees'): TestWindow {
  // jsdom's window type is its own; at run time it is the DOM's.
  return new JSDOM(html, { url }).window as unknown as TestWindow;
}
