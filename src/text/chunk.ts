/** Counts the tokens a model would see for `text`. May be a real tokenizer, so it is called sparingly. */
export type CountTokens = (text: string) => number;

/**
 * Splits block-structured text (blocks separated by blank lines, as `extractPage` writes it) into chunks of
 * at most `maxTokens`: blocks packed greedily, a `#` heading starting a new chunk once the current one is
 * over half full, and an oversized block split between sentences, then words, then inside a word. Chunks are
 * trimmed substrings of `text`, in order, holding each of its words once. Counts each block once, and each
 * chunk of several blocks once more.
 *
 * @throws RangeError when `maxTokens` is below 1, or a single character counts as more than `maxTokens`.
 */
export function splitIntoChunks(text: string, maxTokens: number, countTokens: CountTokens): string[] {
  return Array.from(chunks(text, maxTokens, countTokens, true));
}

/**
 * The start of `text` within `maxTokens`, cut after a block, else a sentence, else a word, never right after
 * a heading; `text` itself when it fits. Counts only as much as the cut needs.
 *
 * @throws RangeError like `splitIntoChunks`.
 */
export function truncateToTokens(text: string, maxTokens: number, countTokens: CountTokens): string {
  checkBudget(maxTokens);
  if (countTokens(text) <= maxTokens) return text;
  return chunks(text, maxTokens, countTokens, false).next().value ?? '';
}

/** A piece of the source text, `[start, end)`, with its token count. */
interface Unit {
  start: number;
  end: number;
  tokens: number;
  heading: boolean;
}

/**
 * A block junction is estimated one token above `\n\n` alone, which a tokenizer may split differently before
 * a word. Words and sentences get none: they count about the same after a space, and a margin per word would
 * half-empty a chunk. The count after packing catches the rest.
 */
const BLOCK_JUNCTION_MARGIN = 1;

/** A hard split aims this far below the budget, so that its first guess usually fits. */
const HARD_SPLIT_FILL = 0.9;

const HEADING = /^#{1,6} /;
const BLOCK_SEPARATOR = /\n[^\S\n]*\n\s*/g;

function* chunks(
  text: string,
  maxTokens: number,
  countTokens: CountTokens,
  keepSections: boolean,
): Generator<string> {
  checkBudget(maxTokens);
  const ctx: Context = {
    source: text,
    max: maxTokens,
    count: countTokens,
    blockJunction: countTokens('\n\n') + BLOCK_JUNCTION_MARGIN,
    inlineJunction: countTokens(' '),
    room: maxTokens,
  };
  const options = { junction: ctx.blockJunction, keepSections, firstMax: maxTokens, reportRoom: true };
  for (const unit of pack(ctx, blockUnits(ctx), options)) {
    yield text.slice(unit.start, unit.end);
  }
}

interface Context {
  source: string;
  max: number;
  count: CountTokens;
  blockJunction: number;
  inlineJunction: number;
  /** What is left of the chunk being packed when the next block is read: where a split block starts. */
  room: number;
}

/**
 * An oversized block starts in the current chunk when at least this share of the budget is left there (so a
 * heading is not left alone above its long paragraph); otherwise it starts a chunk of its own.
 */
const MIN_ROOM_SHARE = 0.25;

function checkBudget(maxTokens: number): void {
  if (!(maxTokens >= 1)) throw new RangeError(`maxTokens must be at least 1, got ${maxTokens}`);
}

function* blockUnits(ctx: Context): Generator<Unit> {
  const { source } = ctx;
  let start = 0;
  for (const separator of source.matchAll(BLOCK_SEPARATOR)) {
    yield* unitsOf(ctx, start, separator.index, 'block');
    start = separator.index + separator[0].length;
  }
  yield* unitsOf(ctx, start, source.length, 'block');
}

type Level = 'block' | 'sentence' | 'word';

/**
 * The span `[from, to)` (trimmed) as one unit when it fits the budget, otherwise as the packed units of its
 * next finer level: sentences of a block, words of a sentence, characters of a word.
 */
function* unitsOf(ctx: Context, from: number, to: number, level: Level): Generator<Unit> {
  const { source } = ctx;
  const [start, end] = trim(source, from, to);
  if (start >= end) return;
  // Read before counting: the block-level packer sets it just before asking for this unit.
  const room = ctx.room;
  const heading = level === 'block' && HEADING.test(source.slice(start, start + 8));
  const tokens = ctx.count(source.slice(start, end));
  if (tokens <= ctx.max) {
    yield { start, end, tokens, heading };
    return;
  }
  if (level === 'word') {
    yield* hardSplit(ctx, start, end, tokens);
    return;
  }
  const finer: Generator<Unit> =
    level === 'block'
      ? spans(ctx, sentenceBounds(source, start, end), 'sentence')
      : spans(ctx, wordBounds(source, start, end), 'word');
  const firstMax = level === 'block' && room >= ctx.max * MIN_ROOM_SHARE ? room : ctx.max;
  let first = true;
  for (const unit of pack(ctx, finer, {
    junction: ctx.inlineJunction,
    keepSections: false,
    firstMax,
    reportRoom: false,
  })) {
    yield { ...unit, heading: first && heading };
    first = false;
  }
}

function* spans(ctx: Context, bounds: Iterable<[number, number]>, level: Level): Generator<Unit> {
  for (const [from, to] of bounds) yield* unitsOf(ctx, from, to, level);
}

interface PackOptions {
  /** Estimated cost of joining two units. */
  junction: number;
  /** Whether a heading opens a new span once the current one is more than half full. */
  keepSections: boolean;
  /** Budget of the first span (a block split to fill what is left of a chunk); later ones get `ctx.max`. */
  firstMax: number;
  /** Whether to publish, as `ctx.room`, what is left of the current span before each unit is pulled. */
  reportRoom: boolean;
}

/**
 * Greedily joins consecutive units into spans of at most `ctx.max` tokens, estimating a span as the sum of
 * its units plus `junction` per join, then counting it once to be sure (and giving back units when the
 * estimate was wrong). A heading never ends a span that has more in it: it goes on to open the next one.
 */
function* pack(ctx: Context, units: Iterator<Unit>, options: PackOptions): Generator<Unit> {
  const { junction, keepSections, reportRoom } = options;
  const pending: Unit[] = [];
  let limit = options.firstMax;
  let current: Unit[] = [];
  let estimate = 0;
  const next = (): Unit | undefined => {
    const queued = pending.shift();
    if (queued) return queued;
    if (reportRoom) ctx.room = current.length > 0 ? limit - estimate - junction : limit;
    return iterNext(units);
  };
  for (let unit = next(); unit; unit = next()) {
    const cost = current.length > 0 ? estimate + junction + unit.tokens : unit.tokens;
    const newSection = keepSections && unit.heading && estimate > ctx.max / 2;
    if (current.length > 0 && (cost > limit || newSection)) {
      const { span, rest } = settle(ctx, current, limit);
      yield span;
      pending.unshift(...rest, unit);
      limit = ctx.max;
      current = [];
      estimate = 0;
      continue;
    }
    current.push(unit);
    estimate = cost;
  }
  if (current.length > 0) {
    const { span, rest } = settle(ctx, current, limit);
    yield span;
    if (rest.length > 0) yield* pack(ctx, rest.values(), { ...options, firstMax: ctx.max });
  }
}

/**
 * Joins `units` into one span of at most `max` tokens (or a lone unit), leaving out as many trailing units
 * (`rest`) as needed, and never ending on a heading.
 */
function settle(ctx: Context, units: Unit[], max: number): { span: Unit; rest: Unit[] } {
  const [first] = units;
  if (!first) throw new Error('settle needs at least one unit');
  let keep = units.length;
  while (keep > 1) {
    if (units[keep - 1]?.heading) {
      keep--;
      continue;
    }
    const end = (units[keep - 1] as Unit).end;
    const tokens = ctx.count(ctx.source.slice(first.start, end));
    if (tokens <= max) {
      return { span: { start: first.start, end, tokens, heading: first.heading }, rest: units.slice(keep) };
    }
    // Leave out at least as many tokens as the span is over, then count again.
    for (let excess = tokens - max; keep > 1 && excess > 0; ) excess -= (units[--keep] as Unit).tokens;
  }
  // A single unit was counted on exactly its own text, and every unit fits the whole budget.
  return { span: first, rest: units.slice(1) };
}

function iterNext<T>(iterator: Iterator<T>): T | undefined {
  const result = iterator.next();
  return result.done ? undefined : result.value;
}

/** Cuts a word that alone exceeds the budget into pieces, sized from its characters per token. */
function* hardSplit(ctx: Context, start: number, end: number, tokens: number): Generator<Unit> {
  const { source, max, count } = ctx;
  const charsPerToken = (end - start) / tokens;
  for (let pos = start; pos < end; ) {
    let stop = codePointBoundary(
      source,
      pos,
      Math.min(end, pos + Math.floor(max * charsPerToken * HARD_SPLIT_FILL)),
    );
    let n = count(source.slice(pos, stop));
    while (n > max) {
      const minimal = codePointBoundary(source, pos, pos + 1);
      if (stop <= minimal) throw new RangeError(`maxTokens ${max} cannot hold even one character`);
      const shorter = pos + Math.floor(((stop - pos) * max * HARD_SPLIT_FILL) / n);
      stop = codePointBoundary(source, pos, Math.min(shorter, stop - 1));
      n = count(source.slice(pos, stop));
    }
    yield { start: pos, end: stop, tokens: n, heading: false };
    pos = stop;
  }
}

/** `index`, moved back off the middle of a surrogate pair, but always at least one code point past `pos`. */
function codePointBoundary(source: string, pos: number, index: number): number {
  const isHigh = (i: number) => {
    const code = source.charCodeAt(i);
    return code >= 0xd800 && code <= 0xdbff;
  };
  let i = Math.max(index, pos + 1);
  if (i < source.length && isHigh(i - 1)) i -= 1;
  if (i <= pos) i = pos + (isHigh(pos) ? 2 : 1);
  return Math.min(i, source.length);
}

let sentenceSegmenter: Intl.Segmenter | null | undefined;

/** Sentence spans of `[start, end)`, by `Intl.Segmenter` where the runtime has it. */
function* sentenceBounds(source: string, start: number, end: number): Generator<[number, number]> {
  sentenceSegmenter ??=
    typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'sentence' }) : null;
  const text = source.slice(start, end);
  if (sentenceSegmenter) {
    for (const { index, segment } of sentenceSegmenter.segment(text)) {
      yield [start + index, start + index + segment.length];
    }
    return;
  }
  for (const match of text.matchAll(/[^.!?。！？\n]*(?:[.!?。！？]+["'”’)\]]*|\n|$)\s*/g)) {
    if (match[0]) yield [start + match.index, start + match.index + match[0].length];
  }
}

function* wordBounds(source: string, start: number, end: number): Generator<[number, number]> {
  for (const match of source.slice(start, end).matchAll(/\S+/g)) {
    yield [start + match.index, start + match.index + match[0].length];
  }
}

function trim(source: string, start: number, end: number): [number, number] {
  while (start < end && /\s/.test(source.charAt(start))) start++;
  while (end > start && /\s/.test(source.charAt(end - 1))) end--;
  return [start, end];
}
