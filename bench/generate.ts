/**
 * `npm run bench`: engine speed on a random-weight model with SmolLM2-135M's dimensions (random weights cost
 * what real ones do), onnxruntime-node, one thread. Reported as ratios of runs side by side, since this
 * machine is shared and noisy; absolute numbers are informational.
 *
 * 1. Engine overhead: Session.generate (chunked prefill, per-step yield, text deltas) vs plain `generate`.
 * 2. A follow-up with the earlier turns' KV cache vs reading the whole conversation again.
 */
import { AutoModelForCausalLM, AutoTokenizer, env } from '@huggingface/transformers';
import { BENCH_DECODER_DIR, DECODER_PRESETS, ensureDecoderModel } from '../scripts/test-models';
import { createTransformersBackend } from '../src/engine/backends/transformers';
import type { ChatMessage, ModelSpec } from '../src/model';
import { longArticleText } from '../test/support/article';

const ROUNDS = 3;
const NEW_TOKENS = 48;

const preset = DECODER_PRESETS['smollm2-135m'];
await ensureDecoderModel(BENCH_DECODER_DIR, preset);
const dir = `${BENCH_DECODER_DIR}/`;
const base = dir.slice(0, dir.slice(0, -1).lastIndexOf('/') + 1);
const name = dir.slice(base.length, -1);
const spec: ModelSpec = {
  id: 'bench',
  name: 'SmolLM2-135M dimensions, random weights',
  repo: name,
  revision: 'main',
  dtype: 'q8',
  contextSize: preset.maxPositions,
  maxPromptTokens: 4096,
  maxChatPromptTokens: 4096,
  downloadBytes: 0,
  bundled: true,
  tiers: ['wasm'],
  languages: 'None (random weights)',
  license: 'Apache-2.0',
};

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const signal = () => new AbortController().signal;

const session = await createTransformersBackend({ device: 'cpu', localModelPath: base }).load(spec, () => {});
env.localModelPath = base;
const tokenizer = await AutoTokenizer.from_pretrained(name);
const plain = await AutoModelForCausalLM.from_pretrained(name, { dtype: 'q8', device: 'cpu' });

const prompt: ChatMessage[] = [{ role: 'user', content: `Summarize:\n${longArticleText(1_500)}` }];
const ids = tokenizer.apply_chat_template(prompt, {
  add_generation_prompt: true,
  return_dict: true,
}) as Record<string, unknown>;

// Warm up both (the first generation after a load is slow).
await session.generate(prompt, { maxNewTokens: 4, signal: signal() });
await plain.generate({ ...ids, max_new_tokens: 4, do_sample: false });

const ours: number[] = [];
const theirs: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  let started = performance.now();
  await session.generate(prompt, { maxNewTokens: NEW_TOKENS, signal: signal() });
  ours.push(performance.now() - started);
  started = performance.now();
  await plain.generate({ ...ids, max_new_tokens: NEW_TOKENS, min_new_tokens: NEW_TOKENS, do_sample: false });
  theirs.push(performance.now() - started);
}

const conversation: ChatMessage[] = [
  { role: 'system', content: `Answer from this page:\n${longArticleText(3_000)}` },
  { role: 'user', content: 'What changed at the harbour?' },
];
const first = await session.generate(conversation, { maxNewTokens: 16, signal: signal(), cacheKey: 'bench' });
conversation.push({ role: 'assistant', content: first.text }, { role: 'user', content: 'And who stayed?' });
const cachedTtft: number[] = [];
const freshTtft: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // Re-prime the cache with the first turn each round, so every follow-up measures the same work.
  await session.generate(conversation.slice(0, 2), {
    maxNewTokens: 16,
    signal: signal(),
    cacheKey: `b${round}`,
  });
  const cached = await session.generate(conversation, {
    maxNewTokens: 1,
    signal: signal(),
    cacheKey: `b${round}`,
  });
  cachedTtft.push(cached.timeToFirstTokenMs);
  const fresh = await session.generate(conversation, { maxNewTokens: 1, signal: signal() });
  freshTtft.push(fresh.timeToFirstTokenMs);
}

const report = {
  model: spec.name,
  promptTokens: session.countPromptTokens(prompt),
  newTokens: NEW_TOKENS,
  'engine ms (median)': median(ours).toFixed(0),
  'plain transformers.js ms (median)': median(theirs).toFixed(0),
  'engine / plain time ratio': (median(ours) / median(theirs)).toFixed(3),
  followUpPromptTokens: session.countPromptTokens(conversation),
  'follow-up first token, cached ms': median(cachedTtft).toFixed(0),
  'follow-up first token, full re-read ms': median(freshTtft).toFixed(0),
  'cached / re-read ratio': (median(cachedTtft) / median(freshTtft)).toFixed(3),
};
console.table(report);
await session.dispose();
await plain.dispose();
