// A PDF page's text in reading order. pdf.js returns runs of text in the order of the file, which is often not
// the order on the page (a two-column paper came back footer, right column, left column, title): the runs are
// placed by position instead, with a column split when the page has a gutter.

/** A run of text where pdf.js placed it: (x, y) is its baseline start, in points from the bottom left. */
export interface PlacedText {
  text: string;
  x: number;
  y: number;
  width: number;
  /** Font size, about. */
  height: number;
}

/** One line of a page, in reading order. */
export interface PageLine {
  text: string;
  y: number;
  /** The line starts a new block (a paragraph gap above it, or a new column or band). */
  startsBlock: boolean;
}

/** A column must hold at least this many runs on each side of the gutter. */
const MIN_COLUMN_RUNS = 3;
/** At most this share of a page's runs may cross the gutter (titles, headers, footers, wide figures). */
const MAX_CROSSING_SHARE = 0.25;
/** A vertical gap over this many line heights ends a paragraph. */
const PARAGRAPH_GAP = 1.8;

/** The page's lines in reading order: columns left to right, each top to bottom, between full-width runs. */
export function readingOrder(runs: readonly PlacedText[], pageWidth: number): PageLine[] {
  const placed = runs.filter((run) => run.text.trim() !== '');
  const gutter = findGutter(placed, pageWidth);
  if (gutter === null) return toLines(placed, true);
  const lines: PageLine[] = [];
  let left: PlacedText[] = [];
  let right: PlacedText[] = [];
  let wide: PlacedText[] = [];
  const flushColumns = () => {
    lines.push(...toLines(left, true), ...toLines(right, true));
    left = [];
    right = [];
  };
  const flushWide = () => {
    lines.push(...toLines(wide, true));
    wide = [];
  };
  // Top to bottom: runs that cross the gutter (a title, a wide figure) end the columns above them.
  for (const run of [...placed].sort((a, b) => b.y - a.y || a.x - b.x)) {
    if (run.x + run.width > gutter && run.x < gutter) {
      flushColumns();
      wide.push(run);
    } else {
      flushWide();
      (run.x < gutter ? left : right).push(run);
    }
  }
  flushWide();
  flushColumns();
  return lines;
}

/**
 * The x of a vertical gutter with runs on both sides, side by side, that few runs cross; null when the page is
 * one column.
 */
function findGutter(runs: readonly PlacedText[], pageWidth: number): number | null {
  if (runs.length < MIN_COLUMN_RUNS * 2) return null;
  let best: { from: number; to: number; crossing: number } | null = null;
  for (let x = Math.round(pageWidth * 0.3); x <= pageWidth * 0.7; x += 2) {
    let crossing = 0;
    let left = 0;
    let right = 0;
    for (const run of runs) {
      if (run.x + run.width <= x) left++;
      else if (run.x >= x) right++;
      else crossing++;
    }
    if (left < MIN_COLUMN_RUNS || right < MIN_COLUMN_RUNS) continue;
    if (!best || crossing < best.crossing) best = { from: x, to: x, crossing };
    else if (crossing === best.crossing && best.to === x - 2) best.to = x;
  }
  if (!best || best.crossing > runs.length * MAX_CROSSING_SHARE) return null;
  const gutter = (best.from + best.to) / 2;
  // Two columns sit side by side: some runs of each share a line with a run of the other.
  const leftRuns = runs.filter((run) => run.x + run.width <= gutter);
  const rightRuns = runs.filter((run) => run.x >= gutter);
  const sideBySide = leftRuns.filter((l) => rightRuns.some((r) => sameLine(l, r))).length;
  return sideBySide >= MIN_COLUMN_RUNS ? gutter : null;
}

function sameLine(a: PlacedText, b: PlacedText): boolean {
  return Math.abs(a.y - b.y) <= Math.max(a.height, b.height, 1) * 0.5;
}

/** Groups runs into lines, top to bottom and each left to right; the first line starts a block when asked. */
function toLines(runs: readonly PlacedText[], firstStartsBlock: boolean): PageLine[] {
  const sorted = [...runs].sort((a, b) => b.y - a.y || a.x - b.x);
  const groups: PlacedText[][] = [];
  for (const run of sorted) {
    const current = groups[groups.length - 1];
    if (current && sameLine(current[0] as PlacedText, run)) current.push(run);
    else groups.push([run]);
  }
  const lines: PageLine[] = [];
  let previous: { y: number; height: number } | null = null;
  for (const group of groups) {
    group.sort((a, b) => a.x - b.x);
    const height = Math.max(...group.map((run) => run.height), 1);
    const y = (group[0] as PlacedText).y;
    const gap = previous ? previous.y - y : 0;
    lines.push({
      text: joinRuns(group),
      y,
      startsBlock: previous ? gap > PARAGRAPH_GAP * Math.max(height, previous.height) : firstStartsBlock,
    });
    previous = { y, height };
  }
  return lines;
}

/** Runs of one line, with a space where the gap between two is wider than a thin space. */
function joinRuns(runs: readonly PlacedText[]): string {
  let text = '';
  let end = Number.NEGATIVE_INFINITY;
  for (const run of runs) {
    const gap = run.x - end;
    if (text && gap > run.height * 0.15 && !/\s$/.test(text) && !/^\s/.test(run.text)) text += ' ';
    text += run.text;
    end = Math.max(end, run.x + run.width);
  }
  return text.replace(/\s+/g, ' ').trim();
}

/** Lines joined into blocks: a block's lines become one paragraph, blocks are separated by a blank line. */
export function linesToText(lines: readonly PageLine[]): string {
  const blocks: string[] = [];
  let block = '';
  for (const line of lines) {
    if (line.startsBlock && block) {
      blocks.push(block);
      block = '';
    }
    if (!block) block = line.text;
    // A word hyphenated across lines is joined again.
    else if (/\p{L}-$/u.test(block) && /^\p{Ll}/u.test(line.text)) block = block.slice(0, -1) + line.text;
    else block += needsSpace(block, line.text) ? ` ${line.text}` : line.text;
  }
  if (block) blocks.push(block);
  return blocks.join('\n\n');
}

/** Chinese and Japanese lines join without a space. */
function needsSpace(before: string, after: string): boolean {
  const cjk = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303f]/u;
  return !(cjk.test(before.slice(-1)) && cjk.test(after.charAt(0)));
}

/** The share of the page's height, at the top and at the bottom, where running headers and footers sit. */
const EDGE_SHARE = 0.1;

/** What a header or footer line is compared by: page numbers and case do not count. */
export function edgeKey(line: PageLine, pageHeight: number): string | null {
  const atEdge = line.y >= pageHeight * (1 - EDGE_SHARE) || line.y <= pageHeight * EDGE_SHARE;
  return atEdge ? line.text.toLowerCase().replace(/\d+/g, '#').replace(/\s+/g, ' ').trim() : null;
}

/**
 * The header and footer lines repeated on at least half of the sampled pages (and on two or more): each
 * page's edge lines are counted once per page.
 */
export function repeatedEdges(pages: readonly (readonly (string | null)[])[]): Set<string> {
  const counts = new Map<string, number>();
  for (const keys of pages) {
    for (const key of new Set(keys)) if (key) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const needed = Math.max(2, Math.ceil(pages.length / 2));
  return new Set([...counts].filter(([, count]) => count >= needed).map(([key]) => key));
}
