/**
 * `npm run bench:context`: prefill and decode cost on one CPU at several prompt lengths for the default
 * model's dimensions and tokenizer (Qwen2.5-0.5B, random weights, q8), the evidence for the registry's
 * `maxPromptTokens`.
 * onnxruntime-node: an estimate for the extension's WASM runtime (1.3-1.6x slower on SmolLM2-135M's shape).
 */
import { BENCH_QWEN_DIR, DECODER_PRESETS, ensureDecoderModel } from '../scripts/test-models';
import { createTransformersBackend } from '../src/engine/backends/transformers';
import type { ModelSpec } from '../src/model';
import { longArticleText } from '../test/support/article';

const preset = DECODER_PRESETS['qwen2.5-0.5b'];
const dir = `${BENCH_QWEN_DIR}/`;
console.log('Writing the model (first run only, about 1.06 GB, 20 s)…');
await ensureDecoderModel(BENCH_QWEN_DIR, preset);
const base = dir.slice(0, dir.slice(0, -1).lastIndexOf('/') + 1);
const spec: ModelSpec = {
  id: 'bench-qwen',
  name: 'Qwen2.5-0.5B dimensions, random weights',
  repo: 'qwen2.5-0.5b-random',
  revision: 'main',
  dtype: 'q8',
  contextSize: preset.maxPositions,
  maxPromptTokens: preset.maxPositions,
  maxChatPromptTokens: preset.maxPositions,
  downloadBytes: 0,
  bundled: true,
  tiers: ['wasm'],
  languages: 'None (random weights)',
  license: 'Apache-2.0',
};
const session = await createTransformersBackend({ device: 'cpu', localModelPath: base }).load(spec, () => {});
const signal = () => new AbortController().signal;
const text = longArticleText(40_000);

// Warm-up: the first run after a load is slow.
await session.generate([{ role: 'user', content: 'Hello' }], { maxNewTokens: 4, signal: signal() });

const rows: Record<string, string | number>[] = [];
for (const target of [256, 512, 1024, 1536, 2048]) {
  let content = text.slice(0, target * 3);
  while (session.countPromptTokens([{ role: 'user', content }]) > target) content = content.slice(0, -50);
  const result = await session.generate([{ role: 'user', content }], { maxNewTokens: 16, signal: signal() });
  rows.push({
    'prompt tokens': result.promptTokens,
    'first token (s)': (result.timeToFirstTokenMs / 1000).toFixed(2),
    'prefill ms / token': (result.timeToFirstTokenMs / result.promptTokens).toFixed(1),
    'decode tokens/s': result.tokensPerSecond.toFixed(1),
  });
  console.table(rows.slice(-1));
}
console.table(rows);
await session.dispose();
