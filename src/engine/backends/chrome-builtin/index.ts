import { AppError, asAppError, cancelled, throwIfAborted } from '../../errors';
import type { Availability, ChatMessage, ModelSpec } from '../../model';
import type { DownloadProgress } from '../../protocol';
import { GEMINI_NANO } from '../registry';
import type { MachineCapabilities } from '../tiers';
import type { Backend, GenerateOptions, GenerateResult, Session, TierBackend } from '../types';

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

type LanguageModelPrompt = string | LanguageModelMessage[];

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

/** Sessions kept for follow-ups (each holds a conversation in Chrome's model process). */
const KEPT_SESSIONS = 2;

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
export async function probeBuiltinModel(): Promise<MachineCapabilities['builtin']> {
  const api = getLanguageModel();
  if (!api) return null;
  try {
    return toAvailability(await api.availability(BUILTIN_OPTIONS));
  } catch {
    return 'unavailable';
  }
}

/** Chrome's fraction (or, in older versions, bytes) as our progress, sized by the model's download. */
function toProgress(event: LanguageModelProgressEvent, model: ModelSpec): DownloadProgress {
  const fraction = event.total && event.total > 1 ? event.loaded / event.total : event.loaded;
  const total = model.downloadBytes;
  const loaded = Math.round(Math.min(1, Math.max(0, fraction)) * total);
  return { files: [{ name: model.name, loaded, total }], loaded, total };
}

export interface ChromeBuiltinOptions {
  /**
   * Whether the user chose to let Chrome download its model (several GB): asked only when Chrome says
   * `downloadable`. Without it nothing is downloaded.
   */
  mayDownload?(): Promise<boolean>;
}

function isQuotaError(error: unknown): boolean {
  return error instanceof Error && error.name === 'QuotaExceededError';
}

function tooLong(cause?: unknown): AppError {
  const message = 'This text is too long for Chrome’s built-in model. Try a shorter selection.';
  return new AppError('too-long', message, { cause });
}

/** The session's quota and usage, by the current names where Chrome has them. */
const quotaOf = (session: LanguageModelSession): number => session.contextWindow ?? session.inputQuota ?? 0;
const usageOf = (session: LanguageModelSession): number => session.contextUsage ?? session.inputUsage ?? 0;

function measure(
  session: LanguageModelSession,
  input: LanguageModelPrompt,
  signal?: AbortSignal,
): Promise<number> {
  const options = signal ? { signal } : undefined;
  if (session.measureContextUsage) return session.measureContextUsage(input, options);
  if (session.measureInputUsage) return session.measureInputUsage(input, options);
  return Promise.reject(new Error('This Chrome cannot measure prompts.'));
}

/** Runs models with Chrome's own Prompt API: Gemini Nano, downloaded and run by Chrome. */
export function createChromeBuiltinBackend(options: ChromeBuiltinOptions = {}): Backend {
  return {
    id: 'chrome-builtin',

    async availability() {
      return (await probeBuiltinModel()) ?? 'unavailable';
    },

    async load(model, onProgress) {
      const api = getLanguageModel();
      if (!api) {
        throw new AppError(
          'model-load',
          'This browser has no built-in model (Chrome 138 or later has the Prompt API).',
        );
      }
      const state = await probeBuiltinModel();
      if (state === 'unavailable') {
        throw new AppError('model-load', 'Chrome says its built-in model cannot run on this computer.');
      }
      if (state === 'downloadable' && !(await options.mayDownload?.())) {
        throw new AppError(
          'model-download',
          `${model.name} is not downloaded yet. Choose it in Settings to let Chrome download it (about ${Math.round(model.downloadBytes / 1e9)} GB).`,
        );
      }
      let base: LanguageModelSession;
      try {
        base = await api.create({
          ...BUILTIN_OPTIONS,
          // Chrome's own download, when the user chose to start it (or started it elsewhere), shows here.
          monitor(monitor) {
            monitor.addEventListener('downloadprogress', (event) => onProgress(toProgress(event, model)));
          },
        });
      } catch (error) {
        // Chrome may want a user gesture to start its download, which a worker never has.
        if (error instanceof Error && error.name === 'NotAllowedError') {
          throw new AppError(
            'model-download',
            `Chrome wants its download of ${model.name} started by a click: use Download in Settings.`,
            { cause: error },
          );
        }
        throw new AppError(
          state === 'available' ? 'model-load' : 'model-download',
          `Chrome could not start its built-in model: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
      try {
        return await createChromeBuiltinSession(api, base, model);
      } catch (error) {
        base.destroy();
        throw asAppError(error);
      }
    },
  };
}

/**
 * Turns a stream's chunks into deltas. The spec and the Chrome releases that ship the API to extensions
 * (138+) stream deltas; early trial builds sent the whole text so far in each chunk, and are told apart on
 * the second chunk.
 */
export function createChunkReader() {
  let text = '';
  let cumulative: boolean | undefined;
  let held = '';
  return {
    /** The new text a chunk brings, never ending in half of a surrogate pair. */
    push(chunk: string): string {
      if (cumulative === undefined && text.length + held.length > 0 && chunk.length > 0) {
        // Decided on the second chunk: a delta that starts with everything said so far is not a delta.
        cumulative = chunk.length > text.length + held.length && chunk.startsWith(text + held);
      }
      let delta = held + (cumulative ? chunk.slice(text.length + held.length) : chunk);
      held = '';
      const last = delta.charCodeAt(delta.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        held = delta.slice(-1);
        delta = delta.slice(0, -1);
      }
      text += delta;
      return delta;
    },
    /** Whatever is still held back, at the end of the stream. */
    flush(): string {
      const rest = held;
      held = '';
      text += rest;
      return rest;
    },
    get text(): string {
      return text;
    },
  };
}

/** A per-conversation session kept for follow-ups, with the messages its context holds. */
interface KeptSession {
  key: string;
  session: LanguageModelSession;
  messages: ChatMessage[];
}

const sameMessage = (a: ChatMessage, b: ChatMessage) => a.role === b.role && a.content === b.content;

/** Characters per token of each kind of script, measured at load. */
async function calibrate(base: LanguageModelSession): Promise<Record<ScriptKind, number>> {
  const kinds = Object.keys(SAMPLES) as ScriptKind[];
  const counts = await Promise.all(kinds.map((kind) => measure(base, SAMPLES[kind])));
  const perToken = (kind: ScriptKind, tokens: number) => {
    const { [kind]: chars } = scriptCounts(SAMPLES[kind]);
    // A count of zero (an API that measures nothing) must not divide by zero: then a character is a token.
    return tokens > 0 ? chars / tokens : 1;
  };
  return Object.fromEntries(kinds.map((kind, i) => [kind, perToken(kind, counts[i] ?? 0)])) as Record<
    ScriptKind,
    number
  >;
}

/** The session's quota as the model's limits, leaving room for the answer. */
function withQuota(spec: ModelSpec, quota: number): ModelSpec {
  const prompt = Math.max(0, quota - BUILTIN_ANSWER_TOKENS);
  return { ...spec, contextSize: quota, maxPromptTokens: prompt, maxChatPromptTokens: prompt };
}

async function createChromeBuiltinSession(
  api: LanguageModelApi,
  base: LanguageModelSession,
  spec: ModelSpec,
): Promise<Session> {
  const quota = quotaOf(base);
  if (!(quota > 0)) throw new AppError('model-load', 'Chrome’s built-in model reports no input quota.');
  const model = withQuota(spec, Number.isFinite(quota) ? quota : spec.contextSize);
  const ratio = await calibrate(base);
  const kept: KeptSession[] = [];

  const estimate = (text: string): number => {
    const chars = scriptCounts(text);
    return chars.latin / ratio.latin + chars.dense / ratio.dense + chars.other / ratio.other;
  };
  const estimatePrompt = (messages: ChatMessage[]): number =>
    messages.reduce((sum, message) => sum + estimate(message.content) + MESSAGE_OVERHEAD_TOKENS, 0);
  // Raised when a real prompt measures more than its estimate, so that later budgets fit.
  let scale = 1;
  const countTokens = (text: string): number => Math.ceil(scale * estimate(text));
  const countPromptTokens = (messages: ChatMessage[]): number => Math.ceil(scale * estimatePrompt(messages));

  /**
   * The session for this prompt and what it still has to read. A fresh session per call, its context the
   * system message and the earlier turns (`initialPrompts`), is the only way to give the Prompt API a system
   * message. A conversation's follow-up reuses its session instead when the messages start with everything
   * that session holds (as the transformers backend reuses its KV cache), and then only the new turns are
   * read.
   */
  const sessionFor = async (
    messages: ChatMessage[],
    key: string | undefined,
    signal: AbortSignal,
  ): Promise<{ session: LanguageModelSession; input: ChatMessage[]; reused: boolean }> => {
    const index = key === undefined ? -1 : kept.findIndex((entry) => entry.key === key);
    const entry = index >= 0 ? kept.splice(index, 1)[0] : undefined;
    if (entry) {
      const prefix = entry.messages;
      const rest = messages.slice(prefix.length);
      const continues =
        messages.length > prefix.length &&
        prefix.every((message, i) => messages[i] !== undefined && sameMessage(message, messages[i])) &&
        rest.every((message) => message.role !== 'system');
      if (continues) return { session: entry.session, input: rest, reused: true };
      entry.session.destroy();
    }
    try {
      const session = await api.create({
        ...BUILTIN_OPTIONS,
        initialPrompts: messages.slice(0, -1),
        signal,
      });
      return { session, input: messages.slice(-1), reused: false };
    } catch (error) {
      if (signal.aborted) throw cancelled();
      // Chrome refuses initial prompts over the quota with QuotaExceededError: too long, not a full disk.
      if (isQuotaError(error)) throw tooLong(error);
      throw asAppError(error);
    }
  };

  const keep = (key: string, session: LanguageModelSession, messages: ChatMessage[]) => {
    kept.unshift({ key, session, messages });
    for (const old of kept.splice(KEPT_SESSIONS)) old.session.destroy();
  };

  return {
    model,
    countTokens,
    countPromptTokens,

    async generate(messages, options: GenerateOptions): Promise<GenerateResult> {
      const started = performance.now();
      const { signal, cacheKey } = options;
      throwIfAborted(signal);
      if (messages.at(-1)?.role !== 'user') {
        throw new AppError('internal', 'A prompt for the built-in model must end with a user message.');
      }
      const { session, input, reused } = await sessionFor(messages, cacheKey, signal);
      let keepSession = false;
      try {
        const contextBefore = usageOf(session);
        let needed: number;
        try {
          needed = await measure(session, input, signal);
        } catch (error) {
          if (signal.aborted) throw cancelled();
          throw asAppError(error);
        }
        const promptTokens = contextBefore + needed;
        if (!reused) scale = Math.max(scale, promptTokens / estimatePrompt(messages));
        const room = quotaOf(session) - promptTokens;
        // Over the quota Chrome would drop the oldest turns on its own: fail instead, never cut silently.
        if (room < 1) throw tooLong();
        const maxNewTokens = Math.min(options.maxNewTokens, room, model.maxNewTokens ?? room);

        // Stop aborts the call; the local controller ends it once the answer has used its tokens, since the
        // Prompt API has no output limit of its own.
        const enough = new AbortController();
        const stream = session.promptStreaming(input, { signal: AbortSignal.any([signal, enough.signal]) });
        const reader = stream.getReader();
        const chunks = createChunkReader();
        let firstTokenAt = 0;
        const emit = (text: string) => {
          if (!text) return;
          if (firstTokenAt === 0) {
            firstTokenAt = performance.now();
            // Chrome reports nothing while it reads the prompt; by the first word it has read it all.
            options.onPrefill?.(promptTokens, promptTokens);
          }
          options.onToken?.(text);
        };
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            emit(chunks.push(value));
            if (countTokens(chunks.text) >= maxNewTokens) {
              enough.abort();
              void reader.cancel().catch(() => {});
              break;
            }
          }
        } catch (error) {
          if (signal.aborted) throw cancelled();
          throw isQuotaError(error) ? tooLong(error) : asAppError(error);
        }
        throwIfAborted(signal);
        emit(chunks.flush());
        const finished = performance.now();
        const text = chunks.text;
        // Counted by the model itself where it can (read back as input); estimated where it cannot.
        const newTokens = text ? await measure(session, text).catch(() => countTokens(text)) : 0;
        // A session cut short holds a context we cannot know: only a finished answer is kept for follow-ups.
        if (cacheKey !== undefined && !enough.signal.aborted) {
          keep(cacheKey, session, [...messages, { role: 'assistant', content: text }]);
          keepSession = true;
        }
        return {
          text,
          promptTokens,
          reusedTokens: reused ? contextBefore : 0,
          newTokens,
          timeToFirstTokenMs: (firstTokenAt || finished) - started,
          tokensPerSecond:
            newTokens > 1 && firstTokenAt ? ((newTokens - 1) * 1000) / (finished - firstTokenAt) : 0,
        };
      } finally {
        if (!keepSession) session.destroy();
      }
    },

    forget(cacheKey) {
      const index = kept.findIndex((entry) => entry.key === cacheKey);
      if (index >= 0) kept.splice(index, 1)[0]?.session.destroy();
    },

    async dispose() {
      for (const entry of kept.splice(0)) entry.session.destroy();
      base.destroy();
    },
  };
}

/** The `chrome-builtin` tier for the engine's tier list: Gemini Nano on Chrome's Prompt API. */
export function createChromeBuiltinTier(options: ChromeBuiltinOptions = {}): TierBackend {
  return {
    tier: 'chrome-builtin',
    backend: createChromeBuiltinBackend(options),
    model: async () => GEMINI_NANO,
  };
}

/**
 * Starts Chrome's download of its model, for the user's click on the settings page (Chrome may want a user
 * gesture for it, which the worker never has): a session created with the download monitor, destroyed once
 * the model is ready. Where the model is already there it returns at once.
 */
export async function downloadBuiltinModel(
  onProgress: (progress: DownloadProgress) => void,
  signal?: AbortSignal,
): Promise<void> {
  const api = getLanguageModel();
  if (!api) throw new AppError('model-download', 'This browser has no built-in model.');
  try {
    const session = await api.create({
      ...BUILTIN_OPTIONS,
      ...(signal ? { signal } : {}),
      monitor(monitor) {
        monitor.addEventListener('downloadprogress', (event) => onProgress(toProgress(event, GEMINI_NANO)));
      },
    });
    session.destroy();
  } catch (error) {
    if (signal?.aborted) throw cancelled();
    throw new AppError(
      'model-download',
      `Chrome could not download its built-in model: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
