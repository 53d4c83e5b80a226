import {
  BaseStreamer,
  DynamicCache,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  StoppingCriteria,
  Tensor,
} from '@huggingface/transformers';
import { AppError, localMessage, throwIfAborted } from '../../errors';
import type { ChatMessage, ModelSpec } from '../../model';
import { createTextDelta } from '../text-delta';
import { createThinkFilter, stripThinking } from '../think-filter';
import type { GenerateOptions, GenerateResult, Session } from '../types';
import { yieldToEventLoop } from '../yield';

// A loaded transformers.js model as a Session: prompts as tokens, chunked prefill through the KV cache,
// streamed generation, and the caches kept for follow-ups.

/**
 * Prompt tokens read per model call. One long call blocks the worker with no progress or Stop, and Chrome
 * may stop a worker silent for 30 s; chunks through the KV cache cost nothing extra, and at ~11 ms a token
 * (0.5B, one WASM thread) a Stop waits at most ~1.5 s.
 */
const PREFILL_CHUNK_TOKENS = 128;

/** How a model's prompts become tokens: the one definition that counting and generating share. */
export function createPromptTokens(tokenizer: PreTrainedTokenizer, model: ModelSpec) {
  const encode = (text: string): number[] =>
    tokenizer.encode(text, { add_special_tokens: false }).map(Number);
  const promptText = (messages: ChatMessage[]): string =>
    tokenizer.apply_chat_template(messages, {
      add_generation_prompt: true,
      tokenize: false,
      ...model.chatTemplateOptions,
    }) as string;
  return {
    encode,
    promptText,
    countTokens: (text: string) => encode(text).length,
    /** Tokens of the whole rendered chat prompt, template included. */
    countPromptTokens: (messages: ChatMessage[]) => encode(promptText(messages)).length,
  };
}

/** Stops generation as soon as the signal aborts: checked after every token. */
class AbortCriteria extends StoppingCriteria {
  constructor(private readonly signal: AbortSignal) {
    super();
  }
  override _call(inputIds: number[][]): boolean[] {
    return inputIds.map(() => this.signal.aborted);
  }
}

/** Feeds generated ids (not the prompt, which `generate` puts first) into a text delta. */
class DeltaStreamer extends BaseStreamer {
  private promptSeen = false;
  constructor(private readonly onIds: (ids: bigint[]) => void) {
    super();
  }
  override put(value: bigint[][]): void {
    if (!this.promptSeen) {
      this.promptSeen = true;
      return;
    }
    this.onIds(value[0] ?? []);
  }
  override end(): void {}
}

function int64(ids: number[]): Tensor {
  return new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
}

function onesMask(length: number): Tensor {
  return new Tensor('int64', new BigInt64Array(length).fill(1n), [1, length]);
}

/** Moves a forward pass's `present.*` outputs into the cache, as `generate` itself does. */
function updateCache(cache: InstanceType<typeof DynamicCache>, outputs: Record<string, Tensor>): void {
  const entries: Record<string, Tensor> = {};
  for (const [name, tensor] of Object.entries(outputs)) {
    if (name.startsWith('present')) entries[name.replace('present', 'past_key_values')] = tensor;
  }
  cache.update(entries);
}

type Cache = InstanceType<typeof DynamicCache>;

/** A KV cache and the token ids it holds, kept between calls with the same cache key. */
interface KeptCache {
  key: string;
  cache: Cache;
  /** The prompt and answer tokens, as the model read and wrote them. */
  ids: number[];
  /** What those tokens render: the next prompt of the conversation starts with it. */
  text: string;
}

/** Keeps the KV cache of this many conversations: each costs memory (about 25 KB a token for a 0.5B model). */
const KEPT_CACHES = 2;

function commonPrefixLength(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** Drops everything after the first `length` positions from every tensor of the cache. */
function cropCache(cache: Cache, length: number): void {
  const entries: Record<string, Tensor> = {};
  for (const [name, tensor] of Object.entries(cache) as [string, Tensor][]) {
    entries[name] = tensor.slice(null, null, [0, length], null);
  }
  cache.update(entries);
}

/**
 * The registry's facts, with the context capped at what the loaded model itself declares: a file that
 * differs from its registry entry must still never be run past its position table.
 */
function withLoadedLimits(spec: ModelSpec, lm: PreTrainedModel): ModelSpec {
  const declared = (lm.config as { max_position_embeddings?: number }).max_position_embeddings;
  const contextSize = Math.min(spec.contextSize, declared ?? Number.POSITIVE_INFINITY);
  return {
    ...spec,
    contextSize,
    maxPromptTokens: Math.min(spec.maxPromptTokens, contextSize),
    maxChatPromptTokens: Math.min(spec.maxChatPromptTokens, contextSize),
  };
}

/** A session on a loaded model and its tokenizer; the registry's limits capped at what the model declares. */
export function createTransformersSession(
  spec: ModelSpec,
  tokenizer: PreTrainedTokenizer,
  lm: PreTrainedModel,
): Session {
  const model = withLoadedLimits(spec, lm);
  const forward = lm.forward.bind(lm);
  // Every model step, in prefill and in generate, first lets pending events (Stop) run.
  lm.forward = async (inputs: Record<string, unknown>) => {
    await yieldToEventLoop();
    return forward(inputs);
  };
  const kept: KeptCache[] = [];
  // The key a running generation uses, and whether it was forgotten meanwhile (then it is not kept).
  let inUse: { key: string | undefined; forgotten: boolean } = { key: undefined, forgotten: false };

  const { encode, promptText, countTokens, countPromptTokens } = createPromptTokens(tokenizer, model);

  /**
   * The prompt's tokens. A conversation's next prompt starts with the text of the last one and its answer:
   * those keep the tokens the model read and wrote, since an answer tokenized again need not give the same
   * tokens, and every token that differs would be read again.
   */
  const conversationIds = (key: string | undefined, text: string): number[] => {
    const entry = key === undefined ? undefined : kept.find((candidate) => candidate.key === key);
    if (!entry || !text.startsWith(entry.text)) return encode(text);
    return [...entry.ids, ...encode(text.slice(entry.text.length))];
  };

  /** The cache to start from and how many prompt tokens it already holds. */
  const takeCache = (key: string | undefined, ids: number[]): { cache: Cache; reused: number } => {
    const index = key === undefined ? -1 : kept.findIndex((entry) => entry.key === key);
    const entry = index >= 0 ? kept.splice(index, 1)[0] : undefined;
    if (!entry) return { cache: new DynamicCache(), reused: 0 };
    // `generate` must still read at least the last prompt token itself; the last token written was never
    // read, so the cache holds one token less than its ids.
    const reused = Math.min(commonPrefixLength(entry.ids, ids), ids.length - 1, entry.cache.get_seq_length());
    if (reused === 0) {
      void entry.cache.dispose();
      return { cache: new DynamicCache(), reused: 0 };
    }
    if (reused < entry.cache.get_seq_length()) cropCache(entry.cache, reused);
    return { cache: entry.cache, reused };
  };

  const keepCache = (key: string, cache: Cache, ids: number[], text: string) => {
    kept.unshift({ key, cache, ids, text });
    for (const old of kept.splice(KEPT_CACHES)) void old.cache.dispose();
  };

  return {
    model,
    countTokens,
    countPromptTokens,

    async generate(messages, options: GenerateOptions): Promise<GenerateResult> {
      const started = performance.now();
      const { signal, cacheKey } = options;
      throwIfAborted(signal);
      const text = promptText(messages);
      const ids = conversationIds(cacheKey, text);
      const room = model.contextSize - ids.length;
      if (room < 1) {
        throw new AppError('too-long', localMessage('error_text_too_long'));
      }
      const { cache, reused } = takeCache(cacheKey, ids);
      const run = { key: cacheKey, forgotten: false };
      inUse = run;
      const generated: number[] = [];
      let ok = false;
      try {
        // Prompt tokens not in the cache go through it in chunks; `generate` reads the last one.
        for (let start = reused; start < ids.length - 1; start += PREFILL_CHUNK_TOKENS) {
          const end = Math.min(start + PREFILL_CHUNK_TOKENS, ids.length - 1);
          const outputs = (await lm.forward({
            input_ids: int64(ids.slice(start, end)),
            attention_mask: onesMask(end),
            past_key_values: cache,
            num_logits_to_keep: new Tensor('int64', [1n], []),
          })) as Record<string, Tensor>;
          updateCache(cache, outputs);
          throwIfAborted(signal);
          options.onPrefill?.(end, ids.length);
        }

        let firstTokenAt = 0;
        const delta = createTextDelta((tokens) => tokenizer.decode(tokens, { skip_special_tokens: true }));
        // Reasoning blocks (Qwen3) never reach the user, streamed or final.
        const thinking = model.stripThinking ? createThinkFilter() : null;
        const streamer = new DeltaStreamer((newIds) => {
          if (firstTokenAt === 0) firstTokenAt = performance.now();
          for (const id of newIds) {
            generated.push(Number(id));
            const piece = delta.push(Number(id));
            const text = thinking && piece ? thinking.push(piece) : piece;
            if (text) options.onToken?.(text);
          }
        });
        await lm.generate({
          input_ids: int64(ids),
          attention_mask: onesMask(ids.length),
          past_key_values: cache,
          max_new_tokens: Math.min(options.maxNewTokens, room, model.maxNewTokens ?? room),
          do_sample: false,
          repetition_penalty: 1.1,
          streamer,
          stopping_criteria: [new AbortCriteria(signal)],
          // The typings expect a TextStreamer; generate() only calls put() and end(), which BaseStreamer declares.
        } as unknown as Parameters<PreTrainedModel['generate']>[0]);
        ok = true;
        const held = thinking?.end();
        if (held) options.onToken?.(held);
        throwIfAborted(signal);

        const finished = performance.now();
        const newTokens = delta.tokenCount;
        return {
          text: model.stripThinking ? stripThinking(delta.text) : delta.text,
          promptTokens: ids.length,
          reusedTokens: reused,
          newTokens,
          timeToFirstTokenMs: (firstTokenAt || finished) - started,
          tokensPerSecond: newTokens > 1 ? ((newTokens - 1) * 1000) / (finished - firstTokenAt) : 0,
        };
      } finally {
        // A stopped generation leaves a consistent cache (every step fed is in it); a failed one may not.
        if (inUse === run) inUse = { key: undefined, forgotten: false };
        if (cacheKey !== undefined && (ok || signal.aborted) && !run.forgotten)
          keepCache(
            cacheKey,
            cache,
            [...ids, ...generated],
            text + tokenizer.decode(generated, { skip_special_tokens: false }),
          );
        else await cache.dispose();
      }
    },

    // A cache in use by the generation running now is dropped when it ends, instead of kept.
    forget(cacheKey) {
      const index = kept.findIndex((entry) => entry.key === cacheKey);
      if (index >= 0) void kept.splice(index, 1)[0]?.cache.dispose();
      if (inUse.key === cacheKey) inUse.forgotten = true;
    },

    async dispose() {
      for (const entry of kept.splice(0)) await entry.cache.dispose();
      await lm.dispose();
    },
  };
}
