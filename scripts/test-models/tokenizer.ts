import { BYTE_TO_UNICODE, tokenBytes, trainBpeMerges } from './bpe';
import { TRAINING_CORPUS } from './corpus';

/** The special tokens every generated tokenizer starts with, at ids 0, 1 and 2 (SmolLM2's layout). */
export const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

/** ChatML without a default system prompt, so a prompt holds exactly the messages it is given. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Options for {@link buildTokenizer}. */
export interface TokenizerOptions {
  /** How many BPE merges to learn at most (fewer when the corpus runs out of repeated pairs). */
  merges: number;
  /** Special tokens appended after the learned vocabulary (the encoder's `[CLS]`, `[SEP]`). */
  extraSpecialTokens?: readonly string[];
  /** Wrap every sequence as `first … last`, as BERT's post-processor does; both must be special tokens. */
  wrapWith?: { first: string; last: string };
}

/** A byte-level BPE vocabulary: what the logit bias needs to know of a tokenizer. */
export interface TokenTable {
  /** Token content by id. */
  tokens: readonly string[];
  /** Ids of the special (added) tokens. */
  specialIds: ReadonlySet<number>;
}

/** A byte-level BPE tokenizer, as the `tokenizer.json` object and the facts the model builders need. */
export interface BuiltTokenizer extends TokenTable {
  /** The id of a token, or throws. */
  idOf(token: string): number;
  /** The `tokenizer.json` document, ready for `JSON.stringify`. */
  json: Record<string, unknown>;
}

const mergesCache = new Map<number, [string, string][]>();

function learnedMerges(count: number): [string, string][] {
  let merges = mergesCache.get(count);
  if (!merges) {
    merges = trainBpeMerges(TRAINING_CORPUS, count);
    mergesCache.set(count, merges);
  }
  return merges;
}

/**
 * Builds the byte-level BPE tokenizer: specials, then the 256 byte tokens in byte order, then one
 * token per learned merge, then any extra specials. Deterministic: no randomness is involved.
 */
export function buildTokenizer(options: TokenizerOptions): BuiltTokenizer {
  const merges = learnedMerges(options.merges);
  const extra = options.extraSpecialTokens ?? [];
  const tokens = [...SPECIAL_TOKENS, ...BYTE_TO_UNICODE, ...merges.map(([a, b]) => a + b), ...extra];
  const ids = new Map<string, number>();
  tokens.forEach((token, id) => {
    if (ids.has(token)) throw new Error(`Duplicate token ${JSON.stringify(token)}`);
    ids.set(token, id);
  });
  const idOf = (token: string): number => {
    const id = ids.get(token);
    if (id === undefined) throw new Error(`No token ${JSON.stringify(token)}`);
    return id;
  };
  const specials = [...SPECIAL_TOKENS, ...extra];
  const specialIds = new Set(specials.map(idOf));

  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const wrap = options.wrapWith;
  const postProcessor = wrap
    ? {
        type: 'TemplateProcessing',
        single: [
          { SpecialToken: { id: wrap.first, type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: wrap.last, type_id: 0 } },
        ],
        pair: [
          { SpecialToken: { id: wrap.first, type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: wrap.last, type_id: 0 } },
          { Sequence: { id: 'B', type_id: 1 } },
          { SpecialToken: { id: wrap.last, type_id: 1 } },
        ],
        special_tokens: Object.fromEntries(
          [wrap.first, wrap.last].map((t) => [t, { id: t, ids: [idOf(t)], tokens: [t] }]),
        ),
      }
    : byteLevel;

  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content) => ({
      id: idOf(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: postProcessor,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(tokens.map((t, id) => [t, id])),
      merges,
    },
  };
  return { tokens, specialIds, idOf, json };
}

/** `added_tokens_decoder` for `tokenizer_config.json`, as Hugging Face tokenizers save it. */
export function addedTokensDecoder(tokenizer: BuiltTokenizer): Record<string, unknown> {
  return Object.fromEntries(
    [...tokenizer.specialIds].map((id) => [
      String(id),
      {
        content: tokenizer.tokens[id],
        lstrip: false,
        normalized: false,
        rstrip: false,
        single_word: false,
        special: true,
      },
    ]),
  );
}

/**
 * Whether a token decodes to printable ASCII only (space to tilde). Random-weight decoders only ever
 * produce such tokens, so their output is readable and never splits a multi-byte character.
 */
export function isPrintableAsciiToken(tokenizer: TokenTable, id: number): boolean {
  const token = tokenizer.tokens[id];
  if (token === undefined || tokenizer.specialIds.has(id)) return false;
  return tokenBytes(token)?.every((b) => b >= 0x20 && b <= 0x7e) === true;
}
