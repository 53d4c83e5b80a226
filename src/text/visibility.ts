import { BLOCK_MARK, blocksToText, DROPPED_TAGS, isBlockTag, TEXT_NODE } from './blocks';
import { MIN_READABLE_CHARS } from './limits';

/**
 * A copy of `doc` without what the live page hides: hidden text is where prompt injections the user never
 * sees go. Visibility is read on the live, laid-out page; only the clone is changed. An open modal dialog
 * (a cookie wall) is left out too when the page behind it has text: the user opened the page to read that.
 */
export function visibleClone(doc: Document): Document {
  const clone = doc.cloneNode(true) as Document;
  // The head is never rendered (so it would read as hidden) and holds the metadata Readability needs.
  if (doc.body && clone.body) removeHidden(doc.body, clone.body, { dropModals: true });
  return clone;
}

type Visibility = 'shown' | 'hidden' | 'invisible' | 'block';

/** An sRGB colour with alpha, each channel 0-255 and alpha 0-1. */
type Rgba = readonly [number, number, number, number];

/** What an element passes down to its children. */
interface Inherited {
  /** Inside an open modal dialog: `aria-hidden` there still hides (icons, duplicates). */
  inModal: boolean;
  /** The opaque colour the element's text is drawn on, or null when unknown (an image, a translucent layer). */
  background: Rgba | null;
  /** Text painted by a `background-clip: text` ancestor: its own colour says nothing. */
  paintedText: boolean;
}

interface RemoveHiddenOptions {
  /** Also remove open modal dialogs, unless the rest has less than `MIN_READABLE_CHARS` of text. */
  dropModals?: boolean;
}

/**
 * Removes from `copy` (a deep clone of `live`) every element hidden in `live`, and the own text of elements
 * that are laid out but invisible. Walks both trees in step: a clone has the same tree order.
 *
 * While a modal dialog is open, `aria-hidden` outside it does not hide: modal libraries set it on the app
 * root to keep screen readers in the dialog, and the content stays on screen behind it.
 */
export function removeHidden(live: Element, copy: Element, options: RemoveHiddenOptions = {}): void {
  const doc = live.ownerDocument;
  const view = doc.defaultView;
  const modals = openModals(doc, view);
  const page: PageFacts = {
    view,
    modalOpen: modals.size > 0,
    // jsdom has no layout (every box is 0 x 0): then only computed style decides.
    laidOut: doc.documentElement.getBoundingClientRect().width > 0,
  };
  const hidden: Element[] = [];
  const invisible: Element[] = [];
  const modalCopies: Element[] = [];
  const root = inheritedAt(live, modals, view);
  const pending: [Element, Element, Inherited][] = [[live, copy, root]];
  for (let entry = pending.pop(); entry; entry = pending.pop()) {
    const [liveParent, copyParent, inherited] = entry;
    let a = liveParent.firstElementChild;
    let b = copyParent.firstElementChild;
    for (; a && b; a = a.nextElementSibling, b = b.nextElementSibling) {
      if (DROPPED_TAGS.has(a.localName)) continue;
      const isModal = modals.has(a);
      const inModal = inherited.inModal || isModal;
      const style = view?.getComputedStyle(a) ?? null;
      const visibility = visibilityOf(a, style, page, { ...inherited, inModal });
      if (visibility === 'hidden') {
        hidden.push(b);
        continue;
      }
      if (visibility === 'invisible') invisible.push(b);
      else if (visibility === 'block') b.setAttribute(BLOCK_MARK, '');
      // Kept, so Readability (which skips `aria-hidden` itself) must not drop it either.
      if (a.getAttribute('aria-hidden') === 'true') b.removeAttribute('aria-hidden');
      if (isModal) modalCopies.push(b);
      pending.push([a, b, { ...passedDown(style, inherited), inModal }]);
    }
  }
  for (const el of hidden) el.remove();
  // `visibility` is inherited but a child may set it back to `visible`, so only the element's own text goes.
  for (const el of invisible) {
    for (const node of Array.from(el.childNodes)) if (node.nodeType === TEXT_NODE) node.remove();
  }
  if (options.dropModals) dropModals(copy, modalCopies);
}

interface PageFacts {
  view: Window | null;
  modalOpen: boolean;
  laidOut: boolean;
}

/**
 * Open modal dialogs that are shown: `<dialog>` opened with `showModal()`, or anything marked `aria-modal`
 * (how modal libraries and cookie banners mark theirs). Closed ones often stay in the page, hidden.
 */
function openModals(doc: Document, view: Window | null): Set<Element> {
  const modals = new Set<Element>();
  for (const el of Array.from(doc.querySelectorAll('dialog[open], [aria-modal="true"]'))) {
    if (el.getAttribute('aria-modal') !== 'true' && !matchesModal(el)) continue;
    const shown =
      typeof el.checkVisibility === 'function'
        ? el.checkVisibility()
        : view?.getComputedStyle(el).display !== 'none' && !el.closest('[hidden]');
    if (shown) modals.add(el);
  }
  return modals;
}

function matchesModal(el: Element): boolean {
  try {
    return el.matches(':modal');
  } catch {
    // A DOM without the pseudo-class (jsdom) has no modal dialogs of its own.
    return false;
  }
}

/** Takes the modal dialogs out of `copy` unless what is left is too short to be the page. */
function dropModals(copy: Element, modalCopies: Element[]): void {
  const places = modalCopies.map((el) => ({ el, parent: el.parentNode, next: el.nextSibling }));
  for (const { el } of places) el.remove();
  // Bounded: the serializer stops as soon as it has passed the threshold.
  const rest = blocksToText(copy, MIN_READABLE_CHARS);
  if (rest.truncated || rest.text.length >= MIN_READABLE_CHARS) return;
  for (const { el, parent, next } of places.reverse()) parent?.insertBefore(el, next);
}

/**
 * How `el` shows on the live page. `checkVisibility()` also catches `content-visibility: hidden` and closed
 * `<details>`. `visibility` is read from computed style: it hides only the element's own text (see
 * `removeHidden`), and Chrome < 121 and Firefox < 122 ignore `checkVisibility({ visibilityProperty: true })`.
 * The rest catches the ways text is hidden on purpose while still in the layout: off-screen, clipped to
 * nothing, squeezed into a 1-pixel box, fully transparent, zero-sized or drawn in its background's colour.
 */
function visibilityOf(
  el: Element,
  style: CSSStyleDeclaration | null,
  page: PageFacts,
  inherited: Inherited,
): Visibility {
  if (el.hasAttribute('hidden')) return 'hidden';
  if (el.getAttribute('aria-hidden') === 'true' && (!page.modalOpen || inherited.inModal)) return 'hidden';
  const boxless =
    typeof el.checkVisibility === 'function' ? !el.checkVisibility() : style?.display === 'none';
  // An element with `display: contents` has no box of its own, yet its children are shown.
  if (boxless && style?.display !== 'contents') return 'hidden';
  if (!style) return 'shown';
  if (isTransparent(style) || isOffScreen(el, style, page) || isClippedAway(style)) return 'hidden';
  if (style.visibility === 'hidden' || style.visibility === 'collapse') return 'invisible';
  if (hasOwnText(el) && ownTextUnseen(style, inherited)) return 'invisible';
  return !isBlockTag(el) && isBlockDisplay(style.display) ? 'block' : 'shown';
}

function isBlockDisplay(display: string): boolean {
  return display !== '' && display !== 'contents' && !display.startsWith('inline');
}

/** Further off than any real layout puts content: the classic `left: -9999px`. */
const OFF_SCREEN_PX = -999;

/**
 * `opacity: 0` hides a whole subtree, except while it is animated in: reveal-on-scroll scripts start
 * article paragraphs at 0 and fade them in when they come into view.
 */
function isTransparent(style: CSSStyleDeclaration): boolean {
  if (Number.parseFloat(style.opacity) !== 0) return false;
  const fades = /\b(?:opacity|all)\b/.test(style.transitionProperty) && hasDuration(style.transitionDuration);
  const animated = style.animationName !== '' && style.animationName !== 'none';
  return !fades && !animated;
}

function hasDuration(durations: string): boolean {
  return durations.split(',').some((d) => Number.parseFloat(d) > 0);
}

/**
 * Positioned out of reach: before the page's start, where no scrolling shows it. From computed style, and on
 * a laid-out page also from the box (transforms, negative margins). Past the right or bottom edge is not
 * checked: carousels and lazy sections legitimately sit there.
 */
function isOffScreen(el: Element, style: CSSStyleDeclaration, page: PageFacts): boolean {
  const position = style.position;
  if (position !== 'absolute' && position !== 'fixed') {
    if (!page.laidOut || (position !== 'relative' && style.transform === 'none')) return false;
  }
  const left = Number.parseFloat(style.left);
  const top = Number.parseFloat(style.top);
  if (position !== 'relative' && (left <= OFF_SCREEN_PX || top <= OFF_SCREEN_PX)) return true;
  if (!page.laidOut) return false;
  const box = el.getBoundingClientRect();
  if (box.width === 0 && box.height === 0) return false;
  const view = page.view;
  const scrollX = position === 'fixed' ? 0 : (view?.scrollX ?? 0);
  const scrollY = position === 'fixed' ? 0 : (view?.scrollY ?? 0);
  return box.right + scrollX <= 0 || box.bottom + scrollY <= 0;
}

/**
 * Clipped to nothing (`clip: rect(0 0 0 0)`, `clip-path: inset(50%)`, a zero circle), or a box of a pixel or
 * less that hides its overflow: together, the "visually hidden" pattern.
 */
function isClippedAway(style: CSSStyleDeclaration): boolean {
  const positioned = style.position === 'absolute' || style.position === 'fixed';
  if (positioned && isEmptyRect(style.clip)) return true;
  if (isEmptyClipPath(style.clipPath)) return true;
  const hidesOverflow = [style.overflow, style.overflowX, style.overflowY].some(
    (value) => value === 'hidden' || value === 'clip',
  );
  return hidesOverflow && (isTiny(style.width) || isTiny(style.height));
}

function isTiny(length: string): boolean {
  // `auto` (an inline box, which cannot clip) parses as NaN.
  return /px$/.test(length) && Number.parseFloat(length) <= 1;
}

function isEmptyRect(clip: string): boolean {
  const match = /^rect\(([^)]*)\)$/.exec(clip.trim());
  if (!match?.[1]) return false;
  const [top, right, bottom, left] = match[1].split(/[\s,]+/).map((v) => Number.parseFloat(v));
  if ([top, right, bottom, left].some((v) => v === undefined || Number.isNaN(v))) return false;
  return (bottom as number) <= (top as number) || (right as number) <= (left as number);
}

function isEmptyClipPath(clipPath: string): boolean {
  const value = clipPath.trim();
  if (/^(?:circle|ellipse)\(\s*0(?:px|%)?(?:\s|\)|$)/.test(value)) return true;
  const inset = /^inset\(([^)]*)\)$/.exec(value)?.[1];
  if (!inset) return false;
  // Only percentages say, without layout, that the insets meet: `inset(50%)` leaves nothing.
  const sides =
    inset
      .split(/\s+round\s+/)[0]
      ?.trim()
      .split(/\s+/) ?? [];
  if (sides.length === 0 || !sides.every((s) => /^\d+(?:\.\d+)?%$/.test(s))) return false;
  const [top, right = top, bottom = top, left = right] = sides.map((s) => Number.parseFloat(s));
  return (top as number) + (bottom as number) >= 100 || (right as number) + (left as number) >= 100;
}

function hasOwnText(el: Element): boolean {
  for (let node = el.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === TEXT_NODE && /\S/.test((node as Text).data)) return true;
  }
  return false;
}

/** Channel difference at or under which text counts as drawn in its background's colour. */
const SAME_COLOUR = 8;

/** Own text that is there but cannot be read: zero font size, pushed off by `text-indent`, or colour on colour. */
function ownTextUnseen(style: CSSStyleDeclaration, inherited: Inherited): boolean {
  if (Number.parseFloat(style.fontSize) < 1) return true;
  if (Number.parseFloat(style.textIndent) <= OFF_SCREEN_PX) return true;
  if (inherited.paintedText || paintsText(style)) return false;
  const ink = parseColour(style.getPropertyValue('-webkit-text-fill-color') || style.color);
  if (!ink) return false;
  if (ink[3] === 0) return true;
  const background = inherited.background;
  if (!background) return false;
  const seen = blend(ink, background);
  return seen.every((channel, i) => Math.abs(channel - (background[i] as number)) <= SAME_COLOUR);
}

function paintsText(style: CSSStyleDeclaration): boolean {
  return style.backgroundClip === 'text' || style.getPropertyValue('-webkit-background-clip') === 'text';
}

/** What `el`'s children inherit from it (and from above, `inherited`). */
function passedDown(style: CSSStyleDeclaration | null, inherited: Inherited): Inherited {
  if (!style) return inherited;
  return {
    inModal: inherited.inModal,
    background: backgroundBehindChildren(style, inherited.background),
    paintedText: inherited.paintedText || paintsText(style),
  };
}

function backgroundBehindChildren(style: CSSStyleDeclaration, behind: Rgba | null): Rgba | null {
  if (style.backgroundImage && style.backgroundImage !== 'none') return null;
  const colour = parseColour(style.backgroundColor);
  if (!colour) return style.backgroundColor && !isTransparentKeyword(style.backgroundColor) ? null : behind;
  if (colour[3] === 0) return behind;
  if (colour[3] >= 1) return colour;
  return behind ? blend(colour, behind) : null;
}

function isTransparentKeyword(value: string): boolean {
  return value === 'transparent' || value === 'initial';
}

/**
 * What `live`'s children inherit from its ancestors: whether it is in a modal, and the background behind
 * it, from the page's canvas (white unless the page asks for a dark scheme) down.
 */
function inheritedAt(live: Element, modals: Set<Element>, view: Window | null): Inherited {
  const chain: Element[] = [];
  for (let el: Element | null = live; el; el = el.parentElement) chain.unshift(el);
  const rootStyle = view?.getComputedStyle(live.ownerDocument.documentElement);
  const canvas: Rgba | null = rootStyle?.colorScheme?.includes('dark') ? null : WHITE;
  let inherited: Inherited = { inModal: false, background: canvas, paintedText: false };
  for (const el of chain) {
    const style = view?.getComputedStyle(el) ?? null;
    inherited = { ...passedDown(style, inherited), inModal: inherited.inModal || modals.has(el) };
  }
  return inherited;
}

const WHITE: Rgba = [255, 255, 255, 1];
const BLACK: Rgba = [0, 0, 0, 1];

const colours = new Map<string, Rgba | null>();

/**
 * `rgb()`/`rgba()` as browsers write computed colours, and the system colours jsdom leaves as keywords.
 * Other notations (`oklch()`, `color()`) are unknown: null, so nothing is dropped on a guess. Cached.
 */
function parseColour(value: string): Rgba | null {
  const known = colours.get(value);
  if (known !== undefined) return known;
  let colour: Rgba | null = null;
  const match = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(value);
  if (match) {
    const alpha =
      match[4] === undefined ? 1 : Number.parseFloat(match[4]) / (match[4].endsWith('%') ? 100 : 1);
    colour = [Number(match[1]), Number(match[2]), Number(match[3]), alpha];
  } else if (value === 'canvastext') colour = BLACK;
  else if (value === 'canvas') colour = WHITE;
  else if (value === 'transparent') colour = [0, 0, 0, 0];
  if (colours.size < 1_000) colours.set(value, colour);
  return colour;
}

/** `top` drawn over the opaque `bottom`. */
function blend(top: Rgba, bottom: Rgba): Rgba {
  const a = top[3];
  return [
    top[0] * a + bottom[0] * (1 - a),
    top[1] * a + bottom[1] * (1 - a),
    top[2] * a + bottom[2] * (1 - a),
    1,
  ];
}
