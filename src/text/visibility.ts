import { BLOCK_MARK, DROPPED_TAGS, isBlockTag, TEXT_NODE } from './blocks';

/**
 * A copy of `doc` without what the live page hides: hidden text is where prompt injections the user never
 * sees go. Visibility is read on the live, laid-out page; only the clone is changed.
 */
export function visibleClone(doc: Document): Document {
  const clone = doc.cloneNode(true) as Document;
  // The head is never rendered (so it would read as hidden) and holds the metadata Readability needs.
  if (doc.body && clone.body) removeHidden(doc.body, clone.body);
  return clone;
}

type Visibility = 'shown' | 'hidden' | 'invisible' | 'block';

/**
 * Removes from `copy` (a deep clone of `live`) every element hidden in `live`, and the own text of elements
 * that are laid out but invisible. Walks both trees in step: a clone has the same tree order.
 */
export function removeHidden(live: Element, copy: Element): void {
  const view = live.ownerDocument.defaultView;
  const hidden: Element[] = [];
  const invisible: Element[] = [];
  const pending: [Element, Element][] = [[live, copy]];
  for (let pair = pending.pop(); pair; pair = pending.pop()) {
    let a = pair[0].firstElementChild;
    let b = pair[1].firstElementChild;
    for (; a && b; a = a.nextElementSibling, b = b.nextElementSibling) {
      if (DROPPED_TAGS.has(a.localName)) continue;
      const visibility = visibilityOf(a, view);
      if (visibility === 'hidden') {
        hidden.push(b);
        continue;
      }
      if (visibility === 'invisible') invisible.push(b);
      else if (visibility === 'block') b.setAttribute(BLOCK_MARK, '');
      pending.push([a, b]);
    }
  }
  for (const el of hidden) el.remove();
  // `visibility` is inherited but a child may set it back to `visible`, so only the element's own text goes.
  for (const el of invisible) {
    for (const node of Array.from(el.childNodes)) if (node.nodeType === TEXT_NODE) node.remove();
  }
}

/**
 * How `el` shows on the live page. `checkVisibility()` also catches `content-visibility: hidden` and closed
 * `<details>`. `visibility` is read from computed style: it hides only the element's own text (see
 * `removeHidden`), and Chrome < 121 and Firefox < 122 ignore `checkVisibility({ visibilityProperty: true })`.
 */
function visibilityOf(el: Element, view: Window | null): Visibility {
  if (el.hasAttribute('hidden') || el.getAttribute('aria-hidden') === 'true') return 'hidden';
  const style = view?.getComputedStyle(el);
  const boxless =
    typeof el.checkVisibility === 'function' ? !el.checkVisibility() : style?.display === 'none';
  // An element with `display: contents` has no box of its own, yet its children are shown.
  if (boxless && style?.display !== 'contents') return 'hidden';
  if (!style) return 'shown';
  if (style.visibility === 'hidden' || style.visibility === 'collapse') return 'invisible';
  return !isBlockTag(el) && isBlockDisplay(style.display) ? 'block' : 'shown';
}

function isBlockDisplay(display: string): boolean {
  return display !== '' && display !== 'contents' && !display.startsWith('inline');
}
