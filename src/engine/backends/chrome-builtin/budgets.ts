import type { ChatMessage, ModelSpec } from '../../../model';
import { type LanguageModelSession, measure } from './prompt-api';

/** Tokens kept free for the answer below the session's quota, for `maxPromptTokens`. */
export const BUILTIN_ANSWER_TOKENS = 1_024;

/**
 * Tokens charged per message on top of its text, in the synchronous estimate: Gemma-style turn markers
 * (`<start_of_turn>user\n` ... `<end_of_turn>\n`) cost about five. The real count comes before generating.
 */
const MESSAGE_OVERHEAD_TOKENS = 8;

/*
 * Calibration: `countTokens` is synchronous in our Session interface (budgets are computed while packing
 * passages, many times a prompt), and `measureInputUsage` is an async call into Chrome's model process. So
 * one measurement of a sample per kind of script at load gives characters per token for each: Latin text,
 * dense scripts (CJK, about a token a character) and other scripts (Cyrillic, Greek, Arabic...: between the
 * two). A measured count includes the message's own overhead, which only lowers a ratio: estimates err high.
 * A script that behaves worse than its sample is caught by `generate`, which measures the real prompt, fails
 * with `too-long` when it does not fit, and scales later estimates up by what it found.
 */
const SAMPLES = {
  latin:
    'The harbour was rebuilt after the storm of 1962, when most of the old wooden piers were lost. ' +
    'Today the town council publishes a yearly report on the state of the sea wall, the number of boats ' +
    'moored there and the cost of dredging the channel, which silts up faster than engineers expected. ' +
    'Fishing still employs about two hundred people, though tourism now brings in more money each summer.',
  dense:
    '港は一九六二年の嵐の後に再建され、古い木製の桟橋の多くが失われた。今日、町議会は防波堤の状態、' +
    '係留されている船の数、そして航路の浚渫費用について毎年報告書を発表している。',
  other:
    'Гавань была восстановлена после шторма 1962 года, когда погибла большая часть старых деревянных ' +
    'причалов. Сегодня городской совет ежегодно публикует отчёт о состоянии волнолома, о числе судов ' +
    'у причалов и о стоимости углубления канала, который заиливается быстрее, чем ожидали инженеры.',
} as const;

type ScriptKind = keyof typeof SAMPLES;

const DENSE_SCRIPTS = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}';
const DENSE_CHARS = new RegExp(`[${DENSE_SCRIPTS}]`, 'gu');
/** Letters of any script but Latin and the dense ones (digits, spaces and punctuation are Common). */
const OTHER_SCRIPT_CHARS = new RegExp(
  `[^\\p{Script=Latin}\\p{Script=Common}\\p{Script=Inherited}${DENSE_SCRIPTS}]`,
  'gu',
);

/** How many characters of each kind a text has (Latin: the rest). */
function scriptCounts(text: string): Record<ScriptKind, number> {
  const dense = text.match(DENSE_CHARS)?.length ?? 0;
  const other = text.match(OTHER_SCRIPT_CHARS)?.length ?? 0;
  return { latin: text.length - dense - other, dense, other };
}

/** Characters per token of each kind of script, as measured by {@link calibrate}. */
export type ScriptRatios = Record<ScriptKind, number>;

/** Characters per token of each kind of script, measured at load. */
export async function calibrate(base: LanguageModelSession): Promise<ScriptRatios> {
  const kinds = Object.keys(SAMPLES) as ScriptKind[];
  const counts = await Promise.all(kinds.map((kind) => measure(base, SAMPLES[kind])));
  const perToken = (kind: ScriptKind, tokens: number) => {
    const { [kind]: chars } = scriptCounts(SAMPLES[kind]);
    // A count of zero (an API that measures nothing) must not divide by zero: then a character is a token.
    return tokens > 0 ? chars / tokens : 1;
  };
  return Object.fromEntries(kinds.map((kind, i) => [kind, perToken(kind, counts[i] ?? 0)])) as ScriptRatios;
}

/** The session's quota as the model's limits, leaving room for the answer. */
export function withQuota(spec: ModelSpec, quota: number): ModelSpec {
  const prompt = Math.max(0, quota - BUILTIN_ANSWER_TOKENS);
  return { ...spec, contextSize: quota, maxPromptTokens: prompt, maxChatPromptTokens: prompt };
}

/** The estimated tokens of a text, from the measured ratios. */
export function estimateTokens(text: string, ratio: ScriptRatios): number {
  const chars = scriptCounts(text);
  return chars.latin / ratio.latin + chars.dense / ratio.dense + chars.other / ratio.other;
}

/** The estimated tokens of a prompt: each message's text and its turn markers. */
export function estimatePromptTokens(messages: ChatMessage[], ratio: ScriptRatios): number {
  return messages.reduce(
    (sum, message) => sum + estimateTokens(message.content, ratio) + MESSAGE_OVERHEAD_TOKENS,
    0,
  );
}
