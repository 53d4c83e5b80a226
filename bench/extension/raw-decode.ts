import type { InferenceSession, Tensor } from 'onnxruntime-common';

/** The model's KV-cache layout, from its `config.json`. */
export interface KvShape {
  layers: number;
  kvHeads: number;
  headDim: number;
}

/** One raw decode, timed as `Session.generate` times itself (`GenerateResult`). */
export interface RawDecodeResult {
  /** The generated token ids. */
  ids: number[];
  /** From the call to the first generated token (the prompt's one forward pass). */
  timeToFirstTokenMs: number;
  /** Generated tokens per second after the first one. */
  tokensPerSecond: number;
}

/** Reads the KV-cache layout from a Hugging Face `config.json`. */
export function kvShape(config: Record<string, unknown>): KvShape {
  const number = (key: string) => {
    const value = config[key];
    if (typeof value !== 'number') throw new Error(`config.json has no number ${key}`);
    return value;
  };
  const heads = number('num_attention_heads');
  return {
    layers: number('num_hidden_layers'),
    kvHeads: typeof config.num_key_value_heads === 'number' ? config.num_key_value_heads : heads,
    headDim: typeof config.head_dim === 'number' ? config.head_dim : number('hidden_size') / heads,
  };
}

/** Index of the largest of the last `width` values; the first one wins a tie, as transformers.js's `max`. */
function argmaxOfLast(values: Float32Array, width: number): number {
  const start = values.length - width;
  let best = start;
  for (let i = start + 1; i < values.length; i++)
    if ((values[i] as number) > (values[best] as number)) best = i;
  return best - start;
}

/**
 * The baseline for `decodeOverheadRatio`: onnxruntime on its own, a greedy loop with the KV cache and
 * nothing else. One forward pass reads the whole prompt, then one per new token, each fed `input_ids`,
 * `attention_mask`, `position_ids`, `past_key_values.*` (and `num_logits_to_keep` when the graph has it),
 * taking the argmax of the last logits. No yield, no logits processing, no streaming, no text: what any
 * engine on this runtime must at least spend. `Tensor` is the runtime's own class (onnxruntime-web in the
 * extension, onnxruntime-node in tests).
 */
export async function rawGreedyDecode(
  session: InferenceSession,
  TensorClass: typeof Tensor,
  shape: KvShape,
  promptIds: readonly number[],
  newTokens: number,
): Promise<RawDecodeResult> {
  const started = performance.now();
  const int64 = (values: readonly number[], dims: number[]) =>
    new TensorClass('int64', BigInt64Array.from(values, BigInt), dims);
  let past: Record<string, Tensor> = {};
  for (let layer = 0; layer < shape.layers; layer++) {
    for (const part of ['key', 'value']) {
      past[`past_key_values.${layer}.${part}`] = new TensorClass('float32', new Float32Array(0), [
        1,
        shape.kvHeads,
        0,
        shape.headDim,
      ]);
    }
  }
  const keepLogits: Record<string, Tensor> = {};
  if (session.inputNames.includes('num_logits_to_keep'))
    keepLogits.num_logits_to_keep = new TensorClass('int64', BigInt64Array.of(1n), []);
  const ids: number[] = [];
  let input: readonly number[] = promptIds;
  let position = 0;
  let firstTokenAt = 0;
  while (ids.length < newTokens) {
    const length = input.length;
    const outputs = await session.run({
      input_ids: int64(input, [1, length]),
      attention_mask: int64(new Array(position + length).fill(1), [1, position + length]),
      position_ids: int64(
        Array.from({ length }, (_, i) => position + i),
        [1, length],
      ),
      ...keepLogits,
      ...past,
    });
    const logits = outputs.logits as Tensor;
    const next = argmaxOfLast(logits.data as Float32Array, logits.dims.at(-1) as number);
    ids.push(next);
    firstTokenAt ||= performance.now();
    const present: Record<string, Tensor> = {};
    for (const [name, tensor] of Object.entries(outputs)) {
      if (name.startsWith('present')) present[name.replace('present', 'past_key_values')] = tensor;
    }
    past = present;
    position += length;
    input = [next];
  }
  const finished = performance.now();
  return {
    ids,
    timeToFirstTokenMs: firstTokenAt - started,
    tokensPerSecond: ids.length > 1 ? ((ids.length - 1) * 1000) / (finished - firstTokenAt) : 0,
  };
}
