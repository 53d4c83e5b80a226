import { readFileSync } from 'node:fs';
import { AutoModelForCausalLM, AutoTokenizer, env, Tensor as HfTensor } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { expect, test } from 'vitest';
import { kvShape, rawGreedyDecode } from '../../bench/extension/raw-decode';
import { TEST_DECODER_DIR, TEST_DECODER_ID, TEST_MODELS_DIR } from '../../scripts/test-models';
import { longArticleText } from '../support/article';

// The bench's baseline must be a real greedy decode with the KV cache: on the same model file it must
// write exactly the tokens transformers.js's own greedy `generate` writes (no penalty there, so both
// take the plain argmax every step).

test.each(['fp32', 'q8'] as const)(
  'the raw greedy loop writes the tokens transformers.js writes (%s)',
  async (dtype) => {
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    env.localModelPath = TEST_MODELS_DIR;
    const tokenizer = await AutoTokenizer.from_pretrained(TEST_DECODER_ID);
    const promptIds = tokenizer
      .encode(`Summarize:\n${longArticleText(400)}`, { add_special_tokens: false })
      .map(Number);
    const newTokens = 40;

    const lm = await AutoModelForCausalLM.from_pretrained(TEST_DECODER_ID, { dtype, device: 'cpu' });
    const sequences = (await lm.generate({
      input_ids: new HfTensor('int64', BigInt64Array.from(promptIds, BigInt), [1, promptIds.length]),
      attention_mask: new HfTensor('int64', new BigInt64Array(promptIds.length).fill(1n), [
        1,
        promptIds.length,
      ]),
      max_new_tokens: newTokens,
      do_sample: false,
    } as unknown as Parameters<typeof lm.generate>[0])) as HfTensor;
    const expected = Array.from(sequences.data as BigInt64Array, Number).slice(promptIds.length);
    await lm.dispose();

    const file = `${TEST_DECODER_DIR}/onnx/${dtype === 'q8' ? 'model_quantized' : 'model'}.onnx`;
    const session = await ort.InferenceSession.create(readFileSync(file), { executionProviders: ['cpu'] });
    const config = JSON.parse(readFileSync(`${TEST_DECODER_DIR}/config.json`, 'utf8'));
    const result = await rawGreedyDecode(session, ort.Tensor, kvShape(config), promptIds, newTokens);
    await session.release();

    expect(expected).toHaveLength(newTokens);
    expect(result.ids).toEqual(expected);
    expect(result.timeToFirstTokenMs).toBeGreaterThan(0);
    expect(result.tokensPerSecond).toBeGreaterThan(0);
  },
);

test('the KV-cache layout comes from config.json, with head_dim and kv heads derived when absent', () => {
  expect(
    kvShape({ num_hidden_layers: 24, num_attention_heads: 14, num_key_value_heads: 2, head_dim: 64 }),
  ).toEqual({ layers: 24, kvHeads: 2, headDim: 64 });
  expect(kvShape({ num_hidden_layers: 2, num_attention_heads: 4, hidden_size: 64 })).toEqual({
    layers: 2,
    kvHeads: 4,
    headDim: 16,
  });
  expect(() => kvShape({ num_attention_heads: 4 })).toThrow(/num_hidden_layers/);
});
