import { DataType, GraphBuilder, type WeightFormat } from './onnx-graph';
import { createRng } from './prng';
import { addedTokensDecoder, type BuiltTokenizer, buildTokenizer, SPECIAL_TOKENS } from './tokenizer';
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

/** Shape and content of a generated BERT-like encoder. */
export interface EncoderOptions {
  layers: number;
  hiddenSize: number;
  heads: number;
  intermediateSize: number;
  /** Longest input in tokens (`[CLS]` and `[SEP]` included); the tokenizer truncates to it. */
  maxPositions: number;
  layerNormEps: number;
  /** BPE merges the tokenizer learns at most (the corpus yields about 610). */
  merges: number;
  seed: number;
  /**
   * How much of each layer's output is added to its residual stream. Small values keep a token's
   * vector close to its own embedding, so mean-pooled sentence vectors are near the mean of their
   * tokens' embeddings and texts sharing tokens come out similar, as retrieval tests need.
   */
  residualScale: number;
  /** Weight files to write: `fp32` is `onnx/model.onnx`, `q8` is `onnx/model_quantized.onnx`. */
  formats: WeightFormat[];
}

/** The unit-test encoder. */
const TINY_ENCODER_OPTIONS: EncoderOptions = {
  layers: 2,
  hiddenSize: 64,
  heads: 4,
  intermediateSize: 128,
  maxPositions: 512,
  layerNormEps: 1e-12,
  merges: 600,
  seed: 1,
  residualScale: 0.1,
  formats: ['fp32', 'q8'],
};

/** The encoder's own special tokens, after the shared vocabulary. */
const ENCODER_SPECIAL_TOKENS = { cls: '[CLS]', sep: '[SEP]' } as const;

function resolve(options: Partial<EncoderOptions>): EncoderOptions {
  const o = { ...TINY_ENCODER_OPTIONS, ...options };
  if (o.hiddenSize % o.heads !== 0)
    throw new Error(`hiddenSize (${o.hiddenSize}) must be a multiple of heads`);
  if (o.layers < 1) throw new Error('layers must be at least 1');
  if (o.formats.length === 0) throw new Error('formats must name at least one weight format');
  return o;
}

function encoderTokenizer(o: EncoderOptions): BuiltTokenizer {
  const { cls, sep } = ENCODER_SPECIAL_TOKENS;
  return buildTokenizer({
    merges: o.merges,
    extraSpecialTokens: [cls, sep],
    wrapWith: { first: cls, last: sep },
  });
}

/**
 * Writes a random-weight BERT-like encoder that transformers.js loads with
 * `pipeline('feature-extraction', dir)`: inputs `input_ids`, `attention_mask`, `token_type_ids`, output
 * `last_hidden_state`; the byte-level BPE vocabulary plus `[CLS]`/`[SEP]`, which wrap every input.
 */
export async function writeEncoderModel(
  dir: string,
  options: Partial<EncoderOptions> = {},
): Promise<WrittenModel> {
  const o = resolve(options);
  const tokenizer = encoderTokenizer(o);
  const vocabSize = tokenizer.tokens.length;
  const files: ModelFiles = new Map();
  files.set('config.json', toJson(encoderConfig(o, vocabSize)));
  files.set('tokenizer.json', toJson(tokenizer.json));
  files.set('tokenizer_config.json', toJson(encoderTokenizerConfig(tokenizer, o.maxPositions)));
  for (const format of o.formats) {
    files.set(weightFile(format), buildEncoderGraph(o, vocabSize, format));
  }
  await writeModelFiles(dir, 'encoder', o, files);
  return { dir, written: true, vocabSize, tokenizerSize: vocabSize };
}

/** Like {@link writeEncoderModel}, but skips the work when `dir` already holds the same model. */
export async function ensureEncoderModel(
  dir: string,
  options: Partial<EncoderOptions> = {},
): Promise<WrittenModel> {
  const o = resolve(options);
  if (await isUpToDate(dir, 'encoder', o, ['config.json', 'tokenizer.json', ...o.formats.map(weightFile)]))
    return readWrittenModel(dir);
  return writeEncoderModel(dir, o);
}

function encoderConfig(o: EncoderOptions, vocabSize: number): Record<string, unknown> {
  return {
    architectures: ['BertModel'],
    attention_probs_dropout_prob: 0,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0,
    hidden_size: o.hiddenSize,
    initializer_range: 0.02,
    intermediate_size: o.intermediateSize,
    layer_norm_eps: o.layerNormEps,
    max_position_embeddings: o.maxPositions,
    model_type: 'bert',
    num_attention_heads: o.heads,
    num_hidden_layers: o.layers,
    pad_token_id: 0,
    position_embedding_type: 'absolute',
    torch_dtype: 'float32',
    type_vocab_size: 2,
    use_cache: false,
    vocab_size: vocabSize,
  };
}

function encoderTokenizerConfig(tokenizer: BuiltTokenizer, maxPositions: number): Record<string, unknown> {
  const [endOfText] = SPECIAL_TOKENS;
  return {
    added_tokens_decoder: addedTokensDecoder(tokenizer),
    clean_up_tokenization_spaces: false,
    cls_token: ENCODER_SPECIAL_TOKENS.cls,
    model_max_length: maxPositions,
    pad_token: endOfText,
    sep_token: ENCODER_SPECIAL_TOKENS.sep,
    // BertTokenizer makes transformers.js return token_type_ids, as real BERT tokenizers do.
    tokenizer_class: 'BertTokenizer',
    unk_token: endOfText,
  };
}

/** Post-LayerNorm BERT: embeddings (word + position + type), then attention and GELU MLP blocks. */
function buildEncoderGraph(o: EncoderOptions, vocabSize: number, format: WeightFormat): Uint8Array {
  const b = new GraphBuilder(format);
  const { hiddenSize: H, heads: NH, intermediateSize: I } = o;
  const D = H / NH;
  const weight = (name: string, size: number, std: number) =>
    createRng(o.seed, name).fill(new Float32Array(size), std);
  const zeros = (n: number) => new Float32Array(n);

  const inputIds = b.input('input_ids', DataType.int64, ['batch_size', 'sequence_length']);
  const attentionMask = b.input('attention_mask', DataType.int64, ['batch_size', 'sequence_length']);
  const tokenTypeIds = b.input('token_type_ids', DataType.int64, ['batch_size', 'sequence_length']);

  const layerNorm = (v: string, name: string) =>
    b.op(
      'LayerNormalization',
      [
        v,
        b.floatTensor(`${name}.weight`, [H], new Float32Array(H).fill(1)),
        b.floatTensor(`${name}.bias`, [H], zeros(H)),
      ],
      { axis: -1, epsilon: { float: o.layerNormEps } },
    );
  const embedding = (name: string, rows: number, std: number, ids: string) => {
    const table = b.floatTensor(`embeddings.${name}.weight`, [rows, H], weight(name, rows * H, std));
    return b.op('Gather', [table, ids], { axis: 0 });
  };

  // Position and type embeddings are small so that what a text says, not how long it is, sets its vector.
  const length = b.op('Squeeze', [b.op('Shape', [inputIds], { start: 1, end: 2 }), b.int64([0])]);
  const positions = b.op('Range', [b.int64([0], []), length, b.int64([1], [])]);
  const summed = b.op('Add', [
    b.op('Add', [
      embedding('word_embeddings', vocabSize, 1, inputIds),
      embedding('position_embeddings', o.maxPositions, 0.1, positions),
    ]),
    embedding('token_type_embeddings', 2, 0.1, tokenTypeIds),
  ]);
  let x = layerNorm(summed, 'embeddings.LayerNorm');

  const keep = b.op('Cast', [attentionMask], { to: DataType.float });
  const mask = b.op('Unsqueeze', [
    b.op('Mul', [b.op('Sub', [b.float([1], []), keep]), b.float([-1e9], [])]),
    b.int64([1, 2]),
  ]);
  const heads = (v: string, perm: number[]) =>
    b.op('Transpose', [b.op('Reshape', [v, b.int64([0, 0, NH, D])])], { perm });

  for (let i = 0; i < o.layers; i++) {
    const p = `encoder.layer.${i}`;
    const dense = (input: string, name: string, inF: number, outF: number, scale = 1) => {
      const product = b.linear(
        input,
        `${p}.${name}.weight`,
        weight(`${p}.${name}`, inF * outF, scale / Math.sqrt(inF)),
        inF,
        outF,
      );
      return b.op('Add', [product, b.floatTensor(`${p}.${name}.bias`, [outF], zeros(outF))]);
    };

    const q = heads(
      b.op('Mul', [dense(x, 'attention.self.query', H, H), b.float([1 / Math.sqrt(D)], [])]),
      [0, 2, 1, 3],
    );
    const k = heads(dense(x, 'attention.self.key', H, H), [0, 2, 3, 1]);
    const v = heads(dense(x, 'attention.self.value', H, H), [0, 2, 1, 3]);
    const probs = b.op('Softmax', [b.op('Add', [b.op('MatMul', [q, k]), mask])], { axis: -1 });
    const context = b.op('Reshape', [
      b.op('Transpose', [b.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }),
      b.int64([0, 0, H]),
    ]);
    const attended = dense(context, 'attention.output.dense', H, H, o.residualScale);
    x = layerNorm(b.op('Add', [x, attended]), `${p}.attention.output.LayerNorm`);

    const inner = dense(x, 'intermediate.dense', H, I);
    // Exact GELU, 0.5 x (1 + erf(x / sqrt 2)): the Gelu operator only exists from opset 20.
    const gelu = b.op('Mul', [
      b.op('Mul', [inner, b.float([0.5], [])]),
      b.op('Add', [b.op('Erf', [b.op('Mul', [inner, b.float([Math.SQRT1_2], [])])]), b.float([1], [])]),
    ]);
    const out = dense(gelu, 'output.dense', I, H, o.residualScale);
    x = layerNorm(b.op('Add', [x, out]), `${p}.output.LayerNorm`);
  }

  b.output(x, 'last_hidden_state', DataType.float, ['batch_size', 'sequence_length', H]);
  return b.toBytes(String(GENERATOR_VERSION));
}
