import { AppError, asAppError, cancelled, localMessage, throwIfAborted } from '../../../errors';
import type { ChatMessage, ModelSpec } from '../../../model';
import type { GenerateOptions, GenerateResult, Session } from '../../types';
import { calibrate, estimatePromptTokens, estimateTokens, withQuota } from './budgets';
import { createChunkReader } from './chunk-reader';
import {
  BUILTIN_OPTIONS,
  type LanguageModelApi,
  type LanguageModelSession,
  measure,
  quotaOf,
  usageOf,
} from './prompt-api';

/** Sessions kept for follow-ups (each holds a conversation in Chrome's model process). */
const KEPT_SESSIONS = 2;

function isQuotaError(error: unknown): boolean {
  return error instanceof Error && error.name === 'QuotaExceededError';
}

function tooLong(cause?: unknown): AppError {
  return new AppError('too-long', localMessage('error_builtin_too_long'), { cause });
}

/** A per-conversation session kept for follow-ups, with the messages its context holds. */
interface KeptSession {
  key: string;
  session: LanguageModelSession;
  messages: ChatMessage[];
}

const sameMessage = (a: ChatMessage, b: ChatMessage) => a.role === b.role && a.content === b.content;

/** A session on Chrome's model, its budgets measured on `base`, which it owns from then on. */
export async function createChromeBuiltinSession(
  api: LanguageModelApi,
  base: LanguageModelSession,
  spec: ModelSpec,
): Promise<Session> {
  const quota = quotaOf(base);
  if (!(quota > 0)) throw new AppError('model-load', 'Chrome’s built-in model reports no input quota.');
  const model = withQuota(spec, Number.isFinite(quota) ? quota : spec.contextSize);
  const ratio = await calibrate(base);
  const kept: KeptSession[] = [];

  const estimatePrompt = (messages: ChatMessage[]): number => estimatePromptTokens(messages, ratio);
  // Raised when a real prompt measures more than its estimate, so that later budgets fit.
  let scale = 1;
  const countTokens = (text: string): number => Math.ceil(scale * estimateTokens(text, ratio));
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
