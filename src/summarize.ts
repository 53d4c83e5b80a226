import type { ChatMessage, Session } from './engine/types';
import { AppError } from './errors';
import type { PageContent, SummaryLength } from './protocol';
import { splitIntoChunks } from './text/chunk';
import { MAX_SUMMARY_PARTS } from './text/limits';
import { combinePrompt, partNotesPrompt, SUMMARY_OUTPUT_TOKENS, summaryPrompt } from './text/prompts';

/**
 * Tokenizers disagree by a token or two at the seams between a fenced text and its prompt; keep a little
 * room so a part that measured as fitting really fits.
 */
const SEAM_TOKENS = 8;

/** Most notes-merging rounds for a very long page before the notes are cut to fit. */
const MAX_COMBINE_ROUNDS = 3;

export interface SummarizeCallbacks {
  signal: AbortSignal;
  /** A long page is read in parts: called before part `index` (1-based) of `count`. */
  onPart?(index: number, count: number): void;
  /** Called once the final summary starts being written. */
  onWriting?(): void;
  /** The final summary, streamed. */
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
  if (budget < 32) throw new AppError('too-long', 'The model’s context is too small for this request.');
  return budget;
}

/**
 * Summarizes a page in one pass when it fits, else map-reduce: notes on each part (cut at blocks), then the
 * summary from the notes, the only pass that streams. Past MAX_SUMMARY_PARTS parts, only the start is read
 * (`coverage` says how much).
 */
export async function summarizePage(
  session: Session,
  page: PageContent,
  length: SummaryLength,
  callbacks: SummarizeCallbacks,
): Promise<Summary> {
  const { signal } = callbacks;
  const count = (text: string) => session.countTokens(text);
  const finalTokens = SUMMARY_OUTPUT_TOKENS[length];
  const text = page.text.trim();
  if (!text) throw new AppError('empty-page', 'This page has no text to summarize.');

  const writeFinal = async (messages: ChatMessage[]) => {
    callbacks.onWriting?.();
    const result = await session.generate(messages, {
      maxNewTokens: finalTokens,
      signal,
      onToken: callbacks.onToken,
      onPrefill: callbacks.onPrefill,
    });
    // Not trimmed: the streamed tokens must add up to exactly this text.
    return { text: result.text, tokensPerSecond: result.tokensPerSecond };
  };

  const wholeBudget = textBudget(session, (t) => summaryPrompt(page, t, length), finalTokens);
  // Tokenizing a 400k-character page costs time for nothing: no more than the parts we read can matter.
  const readable = cutAtBlock(text, wholeBudget * MAX_SUMMARY_PARTS * 8);
  if (readable.length === text.length && count(text) <= wholeBudget) {
    return { ...(await writeFinal(summaryPrompt(page, text, length))), parts: 1, coverage: 1 };
  }

  const partBudget = textBudget(
    session,
    (t) => partNotesPrompt(page, t, 99, 99),
    SUMMARY_OUTPUT_TOKENS.notes,
  );
  const allParts = splitIntoChunks(readable, partBudget, count);
  const parts = allParts.slice(0, MAX_SUMMARY_PARTS);
  const complete = parts.length === allParts.length && readable.length === text.length;
  const coverage = complete ? 1 : parts.reduce((sum, part) => sum + part.length, 0) / text.length;

  let notes: string[] = [];
  for (const [i, part] of parts.entries()) {
    callbacks.onPart?.(i + 1, parts.length);
    const result = await session.generate(partNotesPrompt(page, part, i + 1, parts.length), {
      maxNewTokens: SUMMARY_OUTPUT_TOKENS.notes,
      signal,
      onPrefill: callbacks.onPrefill,
    });
    notes.push(result.text.trim());
  }

  const combineBudget = textBudget(session, (t) => combinePrompt(page, t, length), finalTokens);
  for (let round = 0; round < MAX_COMBINE_ROUNDS && count(notes.join('\n\n')) > combineBudget; round++) {
    // Too many notes for one prompt: merge neighbouring notes into shorter notes first.
    const groups = splitIntoChunks(notes.join('\n\n'), partBudget, count);
    const merged: string[] = [];
    for (const group of groups) {
      const result = await session.generate(combinePrompt(page, group, 'brief'), {
        maxNewTokens: SUMMARY_OUTPUT_TOKENS.notes,
        signal,
        onPrefill: callbacks.onPrefill,
      });
      merged.push(result.text.trim());
    }
    notes = merged;
  }
  const joined = splitIntoChunks(notes.join('\n\n'), combineBudget, count)[0] ?? '';
  return { ...(await writeFinal(combinePrompt(page, joined, length))), parts: parts.length, coverage };
}

function cutAtBlock(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.lastIndexOf('\n\n', maxChars);
  return text.slice(0, cut > maxChars / 2 ? cut : maxChars);
}
