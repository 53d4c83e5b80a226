import type { Availability } from '../../../model';

/*
 * Chrome's built-in model through the Prompt API (https://github.com/webmachinelearning/prompt-api), which
 * Chrome 138+ exposes to every extension context, the service worker included. Typed here: @types/chrome
 * does not declare it. Chromium 156 has both the current names (`contextWindow`, `contextUsage`,
 * `measureContextUsage`) and the older ones, deprecated and kept for extensions (`inputQuota`, `inputUsage`,
 * `measureInputUsage`); older Chromes have only the latter, so both are optional and the current is preferred.
 */

/** A message as the Prompt API takes it (`initialPrompts`, `prompt`). */
export interface LanguageModelMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What the session is asked to read and write; availability depends on it, so create and probe share it. */
export interface LanguageModelCoreOptions {
  expectedInputs?: { type: 'text'; languages?: string[] }[];
  expectedOutputs?: { type: 'text'; languages?: string[] }[];
}

/** Chrome's download progress: `loaded` is a fraction of 1 since Chrome 138 (bytes, with `total`, before). */
export interface LanguageModelProgressEvent {
  loaded: number;
  total?: number;
}

export interface LanguageModelMonitor {
  addEventListener(type: 'downloadprogress', listener: (event: LanguageModelProgressEvent) => void): void;
}

export interface LanguageModelCreateOptions extends LanguageModelCoreOptions {
  initialPrompts?: LanguageModelMessage[];
  signal?: AbortSignal;
  monitor?(monitor: LanguageModelMonitor): void;
}

export type LanguageModelPrompt = string | LanguageModelMessage[];

/** One Prompt API session: a conversation the model holds in its context. */
export interface LanguageModelSession {
  promptStreaming(input: LanguageModelPrompt, options?: { signal?: AbortSignal }): ReadableStream<string>;
  measureContextUsage?(input: LanguageModelPrompt, options?: { signal?: AbortSignal }): Promise<number>;
  measureInputUsage?(input: LanguageModelPrompt, options?: { signal?: AbortSignal }): Promise<number>;
  readonly contextWindow?: number;
  readonly contextUsage?: number;
  readonly inputQuota?: number;
  readonly inputUsage?: number;
  destroy(): void;
}

/** `globalThis.LanguageModel`: the static side of the API. */
export interface LanguageModelApi {
  availability(options?: LanguageModelCoreOptions): Promise<string>;
  create(options?: LanguageModelCreateOptions): Promise<LanguageModelSession>;
}

/**
 * Text in, text out, English declared: the languages Chrome supports for output grew from English (138) to
 * English, Spanish and Japanese (140), and declaring one it lacks makes the whole API `unavailable`. Declared
 * languages are a quality hint; the model still reads pages in other languages.
 */
export const BUILTIN_OPTIONS: LanguageModelCoreOptions = {
  expectedInputs: [{ type: 'text', languages: ['en'] }],
  expectedOutputs: [{ type: 'text', languages: ['en'] }],
};

/** The session's quota and usage, by the current names where Chrome has them. */
export const quotaOf = (session: LanguageModelSession): number =>
  session.contextWindow ?? session.inputQuota ?? 0;
export const usageOf = (session: LanguageModelSession): number =>
  session.contextUsage ?? session.inputUsage ?? 0;

/** Tokens an input takes in the session's context, by the current name where Chrome has it. */
export function measure(
  session: LanguageModelSession,
  input: LanguageModelPrompt,
  signal?: AbortSignal,
): Promise<number> {
  const options = signal ? { signal } : undefined;
  if (session.measureContextUsage) return session.measureContextUsage(input, options);
  if (session.measureInputUsage) return session.measureInputUsage(input, options);
  return Promise.reject(new Error('This Chrome cannot measure prompts.'));
}

/** The Prompt API of this browser, or undefined where it has none. */
export function getLanguageModel(): LanguageModelApi | undefined {
  const api = (globalThis as { LanguageModel?: Partial<LanguageModelApi> }).LanguageModel;
  return typeof api?.availability === 'function' && typeof api.create === 'function'
    ? (api as LanguageModelApi)
    : undefined;
}

/** The API's states, which are ours; anything else (a future state, an old Chrome's) reads as unavailable. */
function toAvailability(state: string): Availability {
  return state === 'available' || state === 'downloadable' || state === 'downloading' ? state : 'unavailable';
}

/**
 * The capability probe for the `chrome-builtin` tier (`MachineCapabilities.builtin`): what
 * `LanguageModel.availability()` says, with the options the backend creates sessions with. Never throws:
 * null where the API is missing, `unavailable` where asking fails.
 */
export async function probeBuiltinModel(): Promise<Availability | null> {
  const api = getLanguageModel();
  if (!api) return null;
  try {
    return toAvailability(await api.availability(BUILTIN_OPTIONS));
  } catch {
    return 'unavailable';
  }
}
