import { Readability } from '@mozilla/readability';
import { describe, expect, test, vi } from 'vitest';
import { extractPage } from '../../../src/text/extract';
import { MAX_PAGE_CHARS } from '../../../src/text/limits';
import { fixture, load, type TestWindow } from './dom';

/**
 * Chrome's `checkVisibility`, built on jsdom's computed style (jsdom has no layout and no such method), so
 * that the branch the real browser takes runs too.
 */
function withCheckVisibility(win: TestWindow) {
  const check = vi.fn(function (this: Element, options?: CheckVisibilityOptions) {
    for (let el: Element | null = this; el; el = el.parentElement) {
      if (win.getComputedStyle(el).display === 'none') return false;
    }
    const { visibility } = win.getComputedStyle(this);
    return !(options?.visibilityProperty && (visibility === 'hidden' || visibility === 'collapse'));
  });
  win.Element.prototype.checkVisibility = check;
  return check;
}

const PLANTED = [
  ['inline display:none', 'PINEAPPLE-INLINE'],
  ['display:none from a stylesheet', 'MANGO-STYLESHEET'],
  ['hidden attribute', 'KIWI-HIDDEN'],
  ['visibility:hidden from a stylesheet', 'PAPAYA-VISIBILITY'],
  ['aria-hidden="true"', 'LYCHEE-ARIA'],
  ['<script>', 'BANANA-SCRIPT'],
  ['<noscript>', 'GUAVA-NOSCRIPT'],
  ['<template>', 'DURIAN-TEMPLATE'],
  ['<svg>', 'QUINCE-SVG'],
] as const;

describe.each([
  ['computed style', false],
  ['checkVisibility', true],
])('extractPage on an article (visibility by %s)', (_, useCheckVisibility) => {
  const setup = () => {
    const win = load(fixture('article'));
    const check = useCheckVisibility ? withCheckVisibility(win) : null;
    const page = extractPage(win.document);
    if (check) expect(check).toHaveBeenCalled();
    return { win, page };
  };

  test.each(PLANTED)('drops text hidden by %s', (_, phrase) => {
    expect(setup().page.text).not.toContain(phrase);
  });

  test('keeps the visible child of an invisible element', () => {
    expect(setup().page.text).toContain('Stings are rare, say keepers.');
  });

  test('reads the main content and metadata with Readability', () => {
    const { page } = setup();
    expect(page).toMatchObject({
      url: 'https://news.example/2026/urban-bees',
      title: 'Urban beekeeping takes off in small gardens',
      byline: 'Maria Okafor',
      lang: 'en-GB',
      siteName: 'The Hive Gazette',
      source: 'readability',
      truncated: false,
    });
    expect(page.text).toContain('quiet revolution is humming');
    for (const boilerplate of ['Deluxe Smoker', 'Related stories', 'All rights reserved', 'Subscribe']) {
      expect(page.text).not.toContain(boilerplate);
    }
  });

  test('keeps headings, paragraphs and list items as separate blocks', () => {
    const blocks = setup().page.text.split('\n\n');
    expect(blocks).toContain('## Getting started');
    expect(blocks).toContain('## What the neighbours think');
    expect(blocks).toEqual(
      expect.arrayContaining([
        '- A well-fitted bee suit and gloves',
        '- A smoker, a hive tool and a soft brush',
        '- A hive with at least two boxes, so the colony has room to grow',
      ]),
    );
    const start = blocks.findIndex((b) => b.startsWith('Across the city'));
    expect(blocks[start]).toMatch(
      /^Across the city, a quiet revolution .* beginner courses now stretch into next spring\.$/,
    );
    expect(blocks[start + 1]).toMatch(/^Keepers say the appeal/);
    for (const block of blocks) expect(block).toBe(block.trim().replace(/[ \t]+/g, ' '));
  });

  test('leaves the live document as it was', () => {
    const win = load(fixture('article'));
    if (useCheckVisibility) withCheckVisibility(win);
    const before = win.document.documentElement.outerHTML;
    extractPage(win.document);
    expect(win.document.documentElement.outerHTML).toBe(before);
  });
});

test('the stylesheet case is real: only the computed style hides it, and Readability alone keeps it', () => {
  const win = load(fixture('article'));
  const promo = win.document.querySelector('.promo-overlay');
  expect(promo?.getAttribute('style')).toBeNull();
  expect(promo?.hasAttribute('hidden')).toBe(false);
  expect(win.getComputedStyle(promo as Element).display).toBe('none');
  const unfiltered = new Readability(win.document.cloneNode(true) as Document).parse();
  expect(unfiltered?.textContent).toContain('MANGO-STYLESHEET');
  expect(unfiltered?.textContent).toContain('PAPAYA-VISIBILITY');
});

test('follows checkVisibility where computed style alone would miss it, except for display:contents', () => {
  const win = load(`<html><body><main>
    <p>Frequently asked questions.</p>
    <details><summary>Do bees sleep?</summary><p>Collapsed answer with FIG-DETAILS.</p></details>
    <div style="display: contents"><p>Shown through a contents box.</p></div>
  </main></body></html>`);
  // Like Chrome: a closed <details> hides its content without display:none, and a display:contents element
  // has no box of its own.
  win.Element.prototype.checkVisibility = function (this: Element) {
    return (
      !this.closest('details:not([open]) > :not(summary)') &&
      win.getComputedStyle(this).display !== 'contents'
    );
  };
  const contents = win.document.querySelector('[style]') as Element;
  expect(contents.checkVisibility()).toBe(false);
  const { text } = extractPage(win.document);
  expect(text).toContain('Do bees sleep?');
  expect(text).not.toContain('FIG-DETAILS');
  expect(text).toContain('Shown through a contents box.');
});

describe('extractPage on other pages', () => {
  test('falls back to the visible text when Readability finds too little, without page chrome', () => {
    const win = load(fixture('app'), 'https://mail.example/inbox');
    const page = extractPage(win.document);
    expect(page.source).toBe('visible-text');
    expect(page.title).toBe('Inbox (3) - Mailbird');
    expect(page.lang).toBe('en');
    // Spans laid out as blocks by the stylesheet stay apart instead of running together.
    expect(page.text.split('\n\n')).toEqual(
      expect.arrayContaining(['Compose Refresh', 'Ana Lima', 'Lunch on Friday?', 'Slides for the review']),
    );
    expect(page.text).not.toContain('PLUM-APP');
    expect(page.text).not.toContain('PLANTED-INPUT-VALUE');
    expect(page.text).not.toContain('Drafts');
    expect(page.text).not.toContain('Storage');
  });

  test('keeps page chrome when it is all there is', () => {
    const html =
      '<html><body><header><h1>Site down</h1></header><nav><a href="/">Home</a></nav></body></html>';
    const page = extractPage(load(html).document);
    expect(page).toMatchObject({ source: 'visible-text', text: '# Site down\n\nHome' });
  });

  test('gives empty text for an empty page', () => {
    const page = extractPage(
      load('<!doctype html><html><head><title></title></head><body></body></html>').document,
    );
    expect(page).toMatchObject({
      text: '',
      title: '',
      source: 'visible-text',
      truncated: false,
      byline: null,
    });
  });

  // jsdom's computed style is slow, and the machine may be shared: a generous timeout, no timing asserted.
  test('cuts a huge page at a block boundary', () => {
    const paragraphs = Array.from(
      { length: 4_500 },
      (_, i) =>
        `Paragraph ${i} of the endless report says the same careful thing once more, at length and in detail.`,
    );
    const html = `<html lang="en"><body><article><h1>Endless report</h1>${paragraphs.map((p) => `<p>${p}</p>`).join('')}</article></body></html>`;
    expect(paragraphs.join('\n\n').length).toBeGreaterThan(MAX_PAGE_CHARS);
    const page = extractPage(load(html).document);
    expect(page.truncated).toBe(true);
    expect(page.text.length).toBeLessThanOrEqual(MAX_PAGE_CHARS);
    expect(page.text.length).toBeGreaterThan(MAX_PAGE_CHARS - 200);
    expect(paragraphs).toContain(page.text.split('\n\n').at(-1));
    // jsdom on a 4,500-paragraph page: seconds on a busy 2-core machine.
  }, 60_000);

  test('keeps table rows and preformatted lines', () => {
    const html = `<html><body><main>
      <table><tr><th>Hive</th><th>Honey</th></tr><tr><td>North</td><td>12 kg</td></tr></table>
      <pre>def harvest():
    return "honey"

print(harvest())</pre>
      <p>First line<br>second line<br><br>new paragraph</p></main></body></html>`;
    const blocks = extractPage(load(html).document).text.split('\n\n');
    expect(blocks).toEqual([
      'Hive | Honey',
      'North | 12 kg',
      'def harvest():\n    return "honey"\nprint(harvest())',
      'First line\nsecond line',
      'new paragraph',
    ]);
  });
});
