import { describe, expect, test } from 'vitest';
import { MAX_SELECTION_CONTEXT_CHARS } from '../../../src/text/limits';
import { extractSelection } from '../../../src/text/selection';
import { fixture, load, type TestWindow } from './dom';

describe('extractSelection', () => {
  function select(win: TestWindow, node: Node, start: number, end: number) {
    const range = win.document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    win.getSelection()?.removeAllRanges();
    win.getSelection()?.addRange(range);
  }

  function textNodeContaining(win: TestWindow, needle: string): Text {
    const walker = win.document.createTreeWalker(win.document.body, 4);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if ((node as Text).data.includes(needle)) return node as Text;
    }
    throw new Error(`no text node contains ${needle}`);
  }

  test('returns the selection and its visible surroundings', () => {
    const win = load(fixture('article'));
    const phrase = 'Keepers say the appeal is partly practical and partly emotional.';
    const node = textNodeContaining(win, phrase);
    select(win, node, node.data.indexOf(phrase), node.data.indexOf(phrase) + phrase.length);
    const selection = extractSelection(win);
    expect(selection?.text).toBe(phrase);
    expect(selection?.context).toMatch(/^Keepers say .* A single healthy colony .* at a screen\.$/);
    expect(selection?.context).toContain(selection?.text);
    expect(selection?.context.length).toBeLessThanOrEqual(MAX_SELECTION_CONTEXT_CHARS);
    expect(selection?.context).not.toContain('PINEAPPLE-INLINE');
    expect(win.document.querySelector('span[style]')?.textContent).toContain('PINEAPPLE-INLINE');
  });

  test('centres the context on the selection inside a long paragraph', () => {
    const words = Array.from({ length: 1_500 }, (_, i) => `word${i}`);
    const win = load(`<html><body><p>${words.join(' ')}</p></body></html>`);
    const node = textNodeContaining(win, 'word750 ');
    const start = node.data.indexOf('word750 ');
    select(win, node, start, start + 'word750 word751'.length);
    const selection = extractSelection(win);
    expect(selection?.text).toBe('word750 word751');
    const context = selection?.context ?? '';
    expect(context.length).toBeLessThanOrEqual(MAX_SELECTION_CONTEXT_CHARS);
    expect(context).toMatch(/^….* word750 word751 .*…$/);
    expect(context.length).toBeGreaterThan(MAX_SELECTION_CONTEXT_CHARS - 20);
    const middle = context.indexOf('word750');
    expect(Math.abs(middle - (context.length - middle))).toBeLessThan(100);
  });

  test.each([
    ['nothing is selected', () => {}],
    ['the selection is collapsed', (win: TestWindow) => select(win, textNodeContaining(win, 'Hello'), 2, 2)],
    ['only whitespace is selected', (win: TestWindow) => select(win, textNodeContaining(win, 'Hello'), 5, 6)],
  ])('returns null when %s', (_, act) => {
    const win = load('<html><body><p>Hello world</p></body></html>');
    act(win);
    expect(extractSelection(win)).toBeNull();
  });

  test('reads a selection inside a focused textarea', () => {
    const win = load(
      '<html><body><textarea>Dear team,\n\nthe  launch moves to Tuesday.</textarea></body></html>',
    );
    const field = win.document.querySelector('textarea') as HTMLTextAreaElement;
    field.focus();
    field.setSelectionRange(field.value.indexOf('the'), field.value.length);
    expect(extractSelection(win)).toEqual({
      text: 'the launch moves to Tuesday.',
      context: 'Dear team,\n\nthe launch moves to Tuesday.',
    });
  });

  test('never reads a password field', () => {
    const win = load('<html><body><input type="password" value="hunter2"></body></html>');
    const field = win.document.querySelector('input') as HTMLInputElement;
    field.focus();
    field.setSelectionRange(0, field.value.length);
    expect(extractSelection(win)).toBeNull();
  });
});
