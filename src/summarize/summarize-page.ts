import type { Session } from '../engine/types';
import { AppError, localMessage } from '../errors';
import type { ChatMessage } from '../model';
import type { PageContent, SummaryLength } from '../protocol';
import { cutAtCodePoint } from '../text/blocks';
import { truncateToTokens } from '../text/chunk';
import { FIRST_SUMMARY_PART_TOKENS, MAX_SUMMARY_PARTS, SINGLE_PASS_MAX_TOKENS } from '../text/limits';
import {
  OVERVIEW_TOKENS,
  overviewPrompt,
  partPointsPrompt,
  SUMMARY_OUTPUT_TOKENS,
  summaryPrompt,
} from './prompts';

/**
 * Tokenizers disagree by a token or two at the seams between a fenced text and its prompt; keep a little
 * room so a part that measured as fitting really fits.
 */
const SEAM_TOKENS = 8;

/** A part's points get at least this many tokens, even when many parts share a brief summary's budget. */
const MIN_POINTS_TOKENS = 40;

export interface SummarizeCallbacks {
  signal: AbortSignal;
  /** A long page is read in parts: called before part `index` (1-based) of `count`. */
  onPart?(index: number, count: number): void;
  /** Called once the summary (or the overview that ends a long page's) starts being written. */
  onWriting?(): void;
  /** The summary's text as it is written: every part's points, then the overview. */
  onToken?(text: string): void;
  /** Prompt reading progress of each model call, in tokens. */
  onPrefill?(done: number, total: number): void;
}

export interface Summary {
  text: string;
  parts: number;
  coverage: number;
  /** Writing speed of the final pass. */
  tokensPerSecond: number;
}

/** Tokens of text that fit in `prompt` when the model must still write `outputTokens`. */
function textBudget(session: Session, prompt: (text: string) => ChatMessage[], outputTokens: number): number {
  const { maxPromptTokens, contextSize } = session.model;
  const overhead = session.countPromptTokens(prompt(''));
  const budget = Math.min(maxPromptTokens, contextSize - outputTokens) - overhead - SEAM_TOKENS;
  if (budget < 32) throw new AppError('too-long', localMessage('error_context_too_small'));
  return budget;
}

/** Tokens of each part's points: the length's budget shared out, but never too few for one point. */
function pointsTokens(length: SummaryLength, parts: number): number {
  const shared = (SUMMARY_OUTPUT_TOKENS[length] - OVERVIEW_TOKENS[length]) / parts;
  return Math.max(MIN_POINTS_TOKENS, Math.floor(shared));
}

/**
 * Summarizes a page. A short one is summarized in one pass. A longer one is read progressively: a small first
 * part, so its key points show within seconds, then larger parts, each part's points streamed as they are
 * written; then an overview of the whole page, written from the points, ends it. The points stay: they are
 * the body of the summary, and the chosen length is shared between them and the overview. Past
 * MAX_SUMMARY_PARTS parts, only the start is read (`coverage` says how much).
 */
export async function summarizePage(
  session: Session,
  page: PageContent & { answerIn?: string | null },
  length: SummaryLength,
  callbacks: SummarizeCallbacks,
): Promise<Summary> {
  const { signal, onToken, onPrefill } = callbacks;
  const count = (text: string) => session.countTokens(text);
  const text = page.text.trim();
  if (page.framed) throw new AppError('empty-page', localMessage('error_framed_page'));
  if (!text) throw new AppError('empty-page', localMessage('error_no_text'));
  let written = '';
  // A section's heading goes out with its first words, so that the prompt read before them shows as such.
  let heading = '';
  const show = (piece: string) => {
    const shown = heading + piece;
    heading = '';
    written += shown;
    onToken?.(shown);
  };
  const write = (messages: ChatMessage[], maxNewTokens: number) =>
    session.generate(messages, { maxNewTokens, signal, onToken: show, onPrefill });

  const wholeBudget = textBudget(
    session,
    (t) => summaryPrompt(page, t, length),
    SUMMARY_OUTPUT_TOKENS[length],
  );
  const singlePass = session.model.singlePassTokens ?? SINGLE_PASS_MAX_TOKENS;
  if (count(text) <= Math.min(wholeBudget, singlePass)) {
    callbacks.onWriting?.();
    const result = await write(summaryPrompt(page, text, length), SUMMARY_OUTPUT_TOKENS[length]);
    // Not trimmed: the streamed tokens must add up to exactly this text.
    return { text: written, tokensPerSecond: result.tokensPerSecond, parts: 1, coverage: 1 };
  }

  const partBudget = textBudget(
    session,
    (t) => partPointsPrompt(page, t, length, 99, 99),
    pointsTokens(length, 1),
  );
  const firstPart = session.model.firstPartTokens ?? FIRST_SUMMARY_PART_TOKENS;
  const { parts, complete } = splitProgressively(text, partBudget, firstPart, count);
  const covered = parts.reduce((sum, part) => sum + part.length, 0);
  const coverage = complete ? 1 : Math.min(covered / text.length, 0.99);

  const points: string[] = [];
  for (const [i, part] of parts.entries()) {
    callbacks.onPart?.(i + 1, parts.length);
    heading = `${written ? '\n\n' : ''}**Part ${i + 1} of ${parts.length}**\n\n`;
    const result = await write(
      partPointsPrompt(page, part, length, i + 1, parts.length),
      pointsTokens(length, parts.length),
    );
    points.push(result.text.trim());
  }

  callbacks.onWriting?.();
  const overviewBudget = textBudget(session, (t) => overviewPrompt(page, t, length), OVERVIEW_TOKENS[length]);
  const joined = truncateToTokens(points.join('\n\n'), overviewBudget, count);
  heading = `${written ? '\n\n' : ''}**In short**\n\n`;
  const result = await write(overviewPrompt(page, joined, length), OVERVIEW_TOKENS[length]);
  return { text: written, tokensPerSecond: result.tokensPerSecond, parts: parts.length, coverage };
}

/**
 * Cuts the page into parts at blocks: the first small, each next one larger (up to `maxTokens`), so the
 * first points come fast and later parts are fewer. At most MAX_SUMMARY_PARTS.
 */
function splitProgressively(
  text: string,
  maxTokens: number,
  firstTokens: number,
  count: (text: string) => number,
): { parts: string[]; complete: boolean } {
  const parts: string[] = [];
  let rest = text;
  let size = Math.min(firstTokens, maxTokens);
  while (rest && parts.length < MAX_SUMMARY_PARTS) {
    // Tokenizing text past this part costs time for nothing: a few times its size in characters will do.
    const part = truncateToTokens(cutAtCodePoint(rest, size * 16), size, count);
    if (!part) break;
    parts.push(part);
    rest = rest.slice(rest.indexOf(part) + part.length).trim();
    size = Math.min(size * 2, maxTokens);
  }
  return { parts, complete: rest.length === 0 };
}
