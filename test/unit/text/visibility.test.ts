import { describe, expect, test } from 'vitest';
import { extractPage } from '../../../src/text/extract';
import { extractSelection } from '../../../src/text/selection';
import { fixture, load } from './dom';

// jsdom has computed style but no layout, so these cases are the ones computed style can tell; the
// layout-dependent ones (boxes moved off-screen by transforms or margins) run in real Chromium
// (test/e2e/hard-pages.test.ts), on the same fixtures.

describe('a cookie dialog open over an article', () => {
  test('the article behind it is read, and the dialog is not read in its place', () => {
    const page = extractPage(load(fixture('cookie-wall'), 'https://herald.example/ferry').document);
    expect(page.title).toBe('The ferry returns to the islands');
    expect(page.text).toContain('the ferry to the outer islands sails again this spring');
    expect(page.text).toContain('ninety passengers and eight cars');
    expect(page.text).not.toContain('CONSENT-BOILERPLATE');
    expect(page.text).not.toMatch(/We value your privacy/);
  });

  test('without the dialog, aria-hidden still hides', () => {
    const win = load(fixture('cookie-wall'));
    win.document.querySelector('[role="dialog"]')?.remove();
    expect(extractPage(win.document).text).not.toContain('ferry');
  });

  test('a closed dialog left in the page changes nothing', () => {
    const win = load(fixture('cookie-wall'));
    win.document.querySelector('[role="dialog"]')?.setAttribute('hidden', '');
    expect(extractPage(win.document).text).not.toContain('ferry');
  });

  test('a dialog that is the only text on the page is read', () => {
    const win = load(fixture('cookie-wall'));
    win.document.querySelector('#app')?.remove();
    const page = extractPage(win.document);
    expect(page.text).toContain('We value your privacy');
    expect(page.text).toContain('CONSENT-BOILERPLATE');
  });

  test('aria-hidden inside the open dialog still hides', () => {
    const win = load(fixture('cookie-wall'));
    win.document.querySelector('#app')?.remove();
    const icon = win.document.createElement('span');
    icon.setAttribute('aria-hidden', 'true');
    icon.textContent = 'ICON-GLYPH';
    win.document.querySelector('#consent-title')?.append(icon);
    expect(extractPage(win.document).text).not.toContain('ICON-GLYPH');
  });

  test('an open <dialog aria-modal> counts like a role=dialog one', () => {
    const win = load(fixture('cookie-wall'));
    const old = win.document.querySelector('[role="dialog"]') as Element;
    const dialog = win.document.createElement('dialog');
    dialog.setAttribute('open', '');
    dialog.setAttribute('aria-modal', 'true');
    dialog.innerHTML = old.innerHTML;
    old.replaceWith(dialog);
    const page = extractPage(win.document);
    expect(page.text).toContain('ninety passengers and eight cars');
    expect(page.text).not.toContain('CONSENT-BOILERPLATE');
  });

  test('a selection behind the dialog comes with its context', () => {
    const win = load(fixture('cookie-wall'));
    const paragraph = win.document.querySelectorAll('article p')[2] as Element;
    const range = win.document.createRange();
    range.selectNodeContents(paragraph);
    win.getSelection()?.addRange(range);
    const selection = extractSelection(win);
    expect(selection?.text).toMatch(/^The new boat/);
    expect(selection?.context).toContain('ninety passengers');
  });
});

const PLANTED = [
  ['the visually-hidden (sr-only) pattern: 1px box, clip rect(0 0 0 0)', 'ACORN-CLIP'],
  ['off-screen positioning (left: -10000px)', 'BIRCH-OFFSCREEN'],
  ['clip-path: inset(50%)', 'CEDAR-CLIPPATH'],
  ['a zero-size box that hides its overflow', 'DAHLIA-ZEROSIZE'],
  ['font-size: 0', 'ELM-FONTSIZE'],
  ['opacity: 0', 'FIR-OPACITY'],
  ['text the colour of the page background', 'GORSE-COLOUR'],
  ['text-indent: -9999px', 'HAZEL-INDENT'],
  ['text the colour of its box', 'IVY-BOX'],
] as const;

describe('visually hidden text', () => {
  const page = () => extractPage(load(fixture('hidden-text'), 'https://gazette.example/winter').document);

  test.each(PLANTED)('drops %s', (_, phrase) => {
    expect(page().text).not.toContain(phrase);
  });

  test('each planted phrase is really on the page, so the drops above are the extractor’s doing', () => {
    const text = load(fixture('hidden-text')).document.body.textContent ?? '';
    for (const [, phrase] of PLANTED) expect(text).toContain(phrase);
  });

  test.each([
    ['article text in default colours', 'twenty kilograms of honey'],
    ['light text on a dark box', 'keep the entrance narrow'],
    ['a fade-in paragraph (opacity 0 with a transition)', 'Damp kills more colonies'],
    ['a gradient heading (transparent text, background-clip: text)', 'How the cluster keeps warm'],
    ['spans that reset a zero font size', 'Check the hive once a month'],
  ])('keeps %s', (_, phrase) => {
    expect(page().text).toContain(phrase);
  });

  test('a dark colour scheme with no background set is not read as light-on-white', () => {
    const win = load(
      `<html style="color-scheme: dark"><body><main>
        <p style="color: #fdfdfd">Light text on the browser's dark canvas, as the page asked for.</p>
      </main></body></html>`,
    );
    expect(extractPage(win.document).text).toContain('Light text on the browser');
  });

  test('colours the browser writes in other notations are left alone rather than guessed', () => {
    const win = load(
      `<html><body><main><p style="color: oklch(99% 0 0)">Text in a modern colour notation.</p></main></body></html>`,
    );
    expect(extractPage(win.document).text).toContain('modern colour notation');
  });
});
