import { writeFile } from 'node:fs/promises';
import { createRng } from '../../scripts/test-models/prng';

// A tiny random-weight llama as a GGUF v3 file (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md),
// written at test time for the llama.cpp test server: 2 layers, dimension 64, a SentencePiece vocabulary with
// byte fallback, a ChatML template, F32 tensors. No tiny GGUF ships in any package (NOTES.md).

const DIM = 64;
const LAYERS = 2;
const HEADS = 4;
const FFN = 128;
const CONTEXT = 4096;
const ALIGN = 32;

const SPECIALS = ['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>'];
const WORDS = 'the a of and to in is it that was for on are with as be at by this have from or one had'
  .split(' ')
  .map((word) => `▁${word}`);
const LETTERS = [...'abcdefghijklmnopqrstuvwxyz.,'];
const BYTE_TOKENS = Array.from(
  { length: 256 },
  (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`,
);

/** Token ids a test needs: the byte tokens sit right after the specials. */
export const GGUF_VOCAB = {
  tokens: [...SPECIALS, ...BYTE_TOKENS, '▁', ...LETTERS, ...WORDS],
  firstByteToken: SPECIALS.length,
  eos: SPECIALS.indexOf('<|im_end|>'),
};

const CHATML =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

enum T {
  U32 = 4,
  I32 = 5,
  F32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
}

type Value =
  | { type: T.U32 | T.I32 | T.F32 | T.BOOL; value: number }
  | { type: T.STRING; value: string }
  | { type: T.ARRAY; of: T.I32 | T.F32 | T.STRING; values: (number | string)[] };

class Writer {
  private chunks: Buffer[] = [];
  size = 0;
  push(buf: Buffer) {
    this.chunks.push(buf);
    this.size += buf.length;
  }
  u32(n: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    this.push(b);
  }
  i32(n: number) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    this.push(b);
  }
  f32(n: number) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(n);
    this.push(b);
  }
  u64(n: number) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    this.push(b);
  }
  str(s: string) {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  pad() {
    const rest = (ALIGN - (this.size % ALIGN)) % ALIGN;
    if (rest) this.push(Buffer.alloc(rest));
  }
  scalar(type: T, value: number | string) {
    if (type === T.STRING) this.str(String(value));
    else if (type === T.U32) this.u32(Number(value));
    else if (type === T.I32) this.i32(Number(value));
    else if (type === T.BOOL) this.push(Buffer.from([value ? 1 : 0]));
    else this.f32(Number(value));
  }
  bytes() {
    return Buffer.concat(this.chunks);
  }
}

const u32 = (value: number): Value => ({ type: T.U32, value });

/** Writes the model to `path` and returns its size in bytes. */
export async function writeTinyLlamaGguf(path: string, seed = 7): Promise<number> {
  const { tokens } = GGUF_VOCAB;
  const types = tokens.map((_, i) => {
    if (i === 0) return 2;
    if (i < SPECIALS.length) return 3;
    if (i < SPECIALS.length + 256) return 6;
    return 1;
  });
  // SentencePiece scores: longer pieces first, so words win over their letters.
  const scores = tokens.map((token, i) => (types[i] === 1 ? token.length - 10 : 0));
  const metadata: [string, Value][] = [
    ['general.architecture', { type: T.STRING, value: 'llama' }],
    ['general.name', { type: T.STRING, value: 'pagewise-tiny-llama' }],
    ['general.alignment', u32(ALIGN)],
    ['llama.context_length', u32(CONTEXT)],
    ['llama.embedding_length', u32(DIM)],
    ['llama.block_count', u32(LAYERS)],
    ['llama.feed_forward_length', u32(FFN)],
    ['llama.rope.dimension_count', u32(DIM / HEADS)],
    ['llama.attention.head_count', u32(HEADS)],
    ['llama.attention.head_count_kv', u32(HEADS)],
    ['llama.attention.layer_norm_rms_epsilon', { type: T.F32, value: 1e-5 }],
    ['tokenizer.ggml.model', { type: T.STRING, value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: T.ARRAY, of: T.STRING, values: tokens }],
    ['tokenizer.ggml.scores', { type: T.ARRAY, of: T.F32, values: scores }],
    ['tokenizer.ggml.token_type', { type: T.ARRAY, of: T.I32, values: types }],
    ['tokenizer.ggml.bos_token_id', u32(1)],
    ['tokenizer.ggml.eos_token_id', u32(GGUF_VOCAB.eos)],
    ['tokenizer.ggml.unknown_token_id', u32(0)],
    ['tokenizer.ggml.padding_token_id', u32(2)],
    ['tokenizer.ggml.add_bos_token', { type: T.BOOL, value: 0 }],
    ['tokenizer.chat_template', { type: T.STRING, value: CHATML }],
  ];
  const vocab = tokens.length;
  // GGML lists dimensions innermost first: a [out, in] matrix is written as [in, out].
  const tensors: [string, number[]][] = [
    ['token_embd.weight', [DIM, vocab]],
    ['output_norm.weight', [DIM]],
    ['output.weight', [DIM, vocab]],
  ];
  for (let i = 0; i < LAYERS; i++) {
    tensors.push(
      [`blk.${i}.attn_norm.weight`, [DIM]],
      [`blk.${i}.attn_q.weight`, [DIM, DIM]],
      [`blk.${i}.attn_k.weight`, [DIM, DIM]],
      [`blk.${i}.attn_v.weight`, [DIM, DIM]],
      [`blk.${i}.attn_output.weight`, [DIM, DIM]],
      [`blk.${i}.ffn_norm.weight`, [DIM]],
      [`blk.${i}.ffn_gate.weight`, [DIM, FFN]],
      [`blk.${i}.ffn_up.weight`, [DIM, FFN]],
      [`blk.${i}.ffn_down.weight`, [FFN, DIM]],
    );
  }

  const w = new Writer();
  w.push(Buffer.from('GGUF', 'ascii'));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(metadata.length);
  for (const [key, value] of metadata) {
    w.str(key);
    w.u32(value.type);
    if (value.type === T.ARRAY) {
      w.u32(value.of);
      w.u64(value.values.length);
      for (const item of value.values) w.scalar(value.of, item);
    } else w.scalar(value.type, value.value);
  }
  const data: Float32Array[] = [];
  let offset = 0;
  for (const [name, dims] of tensors) {
    const count = dims.reduce((a, b) => a * b, 1);
    const values = new Float32Array(count);
    if (name.endsWith('norm.weight')) values.fill(1);
    else createRng(seed, name).fill(values, name.startsWith('token_embd') ? 1 : 0.3);
    data.push(values);
    w.str(name);
    w.u32(dims.length);
    for (const dim of dims) w.u64(dim);
    w.u32(0); // F32
    w.u64(offset);
    offset += Math.ceil((count * 4) / ALIGN) * ALIGN;
  }
  w.pad();
  for (const values of data) {
    w.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    w.pad();
  }
  const bytes = w.bytes();
  await writeFile(path, bytes);
  return bytes.length;
}
