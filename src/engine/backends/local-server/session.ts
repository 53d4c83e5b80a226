import { AppError, cancelled, localMessage, throwIfAborted } from '../../../errors';
import type { ChatMessage, LocalServer, ModelSpec } from '../../../model';
import type { GenerateOptions, GenerateResult, Session } from '../../types';
import { type ServerConnection, streamChat } from './server-api';

/** Tokens kept free for the answer below the server's context. */
export const SERVER_ANSWER_TOKENS = 1_024;

/**
 * Characters per token assumed before the server has counted anything: BPE vocabularies give about four
 * for English, fewer for other scripts, so three errs high. Raised by what the server reports.
 */
const CHARS_PER_TOKEN = 3;
/** Turn markers and role names, per message. */
const MESSAGE_OVERHEAD_TOKENS = 8;

/** The spec a connected server's model runs under: its limits are the server's context. */
export function serverModelSpec(server: LocalServer & { model: string }, contextTokens: number): ModelSpec {
  const prompt = Math.max(256, contextTokens - SERVER_ANSWER_TOKENS);
  return {
    id: `local-server:${server.model}`.slice(0, 200),
    name: server.model,
    repo: server.url,
    revision: 'server',
    dtype: 'q4',
    contextSize: contextTokens,
    maxPromptTokens: prompt,
    maxChatPromptTokens: prompt,
    // A server reads prompts fast: a page that fits is read in one pass, as on a GPU.
    singlePassTokens: prompt,
    downloadBytes: 0,
    bundled: false,
    tiers: ['local-server'],
    stripThinking: true,
    languages: 'As the server’s model',
    license: 'As the server’s model',
  };
}

/** A session on a server's model: nothing is loaded here, each call is one streamed request. */
export function createLocalServerSession(
  connection: ServerConnection,
  server: LocalServer & { model: string },
  model: ModelSpec,
): Session {
  // Raised when the server counts more tokens than estimated, so that later budgets fit.
  let scale = 1;
  const estimate = (text: string) => text.length / CHARS_PER_TOKEN;
  const estimatePrompt = (messages: ChatMessage[]) =>
    messages.reduce((sum, message) => sum + estimate(message.content) + MESSAGE_OVERHEAD_TOKENS, 0);
  const countTokens = (text: string) => Math.ceil(scale * estimate(text));
  const countPromptTokens = (messages: ChatMessage[]) => Math.ceil(scale * estimatePrompt(messages));

  return {
    model,
    countTokens,
    countPromptTokens,

    async generate(messages, options: GenerateOptions): Promise<GenerateResult> {
      const started = performance.now();
      const { signal } = options;
      throwIfAborted(signal);
      const estimated = countPromptTokens(messages);
      const room = model.contextSize - estimated;
      if (room < 1) {
        throw new AppError('too-long', localMessage('error_server_too_long', model.name));
      }
      const maxTokens = Math.min(options.maxNewTokens, room);
      let text = '';
      let pieces = 0;
      let firstTokenAt = 0;
      let reported: { promptTokens: number | null; newTokens: number | null } = {
        promptTokens: null,
        newTokens: null,
      };
      for await (const event of streamChat(connection, {
        api: server.api,
        model: server.model,
        messages,
        maxTokens,
        contextTokens: model.contextSize,
        signal,
      })) {
        if (signal.aborted) throw cancelled();
        if (event.type === 'end') {
          reported = event;
          continue;
        }
        if (firstTokenAt === 0) {
          firstTokenAt = performance.now();
          // Servers report nothing while they read the prompt; by the first word it is read.
          options.onPrefill?.(estimated, estimated);
        }
        pieces++;
        text += event.text;
        options.onToken?.(event.text);
      }
      throwIfAborted(signal);
      const finished = performance.now();
      // The server's count is the truth: an estimate below it would let later prompts overflow.
      if (reported.promptTokens !== null && reported.promptTokens > 0) {
        scale = Math.max(scale, (reported.promptTokens / estimatePrompt(messages)) * 1.05);
      }
      const newTokens = reported.newTokens ?? Math.max(pieces, countTokens(text));
      return {
        text,
        promptTokens: reported.promptTokens ?? estimated,
        reusedTokens: 0,
        newTokens,
        timeToFirstTokenMs: (firstTokenAt || finished) - started,
        tokensPerSecond:
          newTokens > 1 && firstTokenAt ? ((newTokens - 1) * 1000) / (finished - firstTokenAt) : 0,
      };
    },

    async dispose() {},
  };
}
