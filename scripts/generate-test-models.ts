/**
 * Writes the random-weight test models, skipping a folder whose stamp file matches the generator version
 * and options (cheap before every test or build) unless `--force`.
 *
 *   npx tsx scripts/generate-test-models.ts                      tiny decoder and encoder in test-models/
 *   npx tsx scripts/generate-test-models.ts --preset smollm2-135m [--out bench-models/smollm2-135m-random]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BENCH_DECODER_DIR,
  DECODER_PRESETS,
  type DecoderPreset,
  ensureDecoderModel,
  ensureEncoderModel,
  TEST_DECODER_DIR,
  TEST_ENCODER_DIR,
  type WrittenModel,
  writeDecoderModel,
  writeEncoderModel,
} from './test-models/index';

const { values } = parseArgs({
  options: {
    preset: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string' },
    force: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (values.help) {
  console.log(
    `Usage: generate-test-models [--preset ${Object.keys(DECODER_PRESETS).join('|')}] [--out DIR] [--seed N] [--force]`,
  );
  process.exit(0);
}

function report(label: string, model: WrittenModel, started: number): void {
  const ms = Math.round(performance.now() - started);
  const what = model.written ? `written in ${ms} ms` : `up to date (${ms} ms)`;
  console.log(`${label}: ${model.dir} ${what} (vocab ${model.vocabSize}, tokenizer ${model.tokenizerSize})`);
}

const seed = values.seed === undefined ? {} : { seed: Number.parseInt(values.seed, 10) };
if (seed.seed !== undefined && !Number.isInteger(seed.seed)) throw new Error(`--seed must be an integer`);

if (values.preset !== undefined) {
  if (!Object.hasOwn(DECODER_PRESETS, values.preset)) {
    throw new Error(`Unknown preset ${values.preset}; known: ${Object.keys(DECODER_PRESETS).join(', ')}`);
  }
  const preset = values.preset as DecoderPreset;
  const dir = resolve(values.out ?? (preset === 'tiny' ? TEST_DECODER_DIR : BENCH_DECODER_DIR));
  const options = { ...DECODER_PRESETS[preset], ...seed };
  const started = performance.now();
  const write = values.force ? writeDecoderModel : ensureDecoderModel;
  report(preset, await write(dir, options), started);
} else {
  if (values.out !== undefined) throw new Error('--out needs --preset (the default run writes two folders)');
  const started = performance.now();
  const [decoder, encoder] = await Promise.all([
    (values.force ? writeDecoderModel : ensureDecoderModel)(TEST_DECODER_DIR, seed),
    (values.force ? writeEncoderModel : ensureEncoderModel)(TEST_ENCODER_DIR, seed),
  ]);
  report('decoder', decoder, started);
  report('encoder', encoder, started);
}
