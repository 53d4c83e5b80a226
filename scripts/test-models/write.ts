import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { WeightFormat } from './onnx-graph';

/**
 * Version of the generator's output. Bump it whenever a change alters any written byte (graph, weights,
 * tokenizer, corpus, JSON fields), so stamped folders written by an older generator are rewritten.
 */
export const GENERATOR_VERSION = 1;

/** Name of the file that records which generator version and options wrote a folder. */
const STAMP_FILE = '.test-model-stamp.json';

/** Path of a weight file inside a model folder, by format: the names transformers.js looks for. */
export function weightFile(format: WeightFormat): string {
  return format === 'fp32' ? 'onnx/model.onnx' : 'onnx/model_quantized.onnx';
}

/** The files of one model folder, by path relative to it. */
export type ModelFiles = Map<string, Uint8Array | string>;

/** What a write or ensure call did. */
export interface WrittenModel {
  dir: string;
  /** False when the folder already held the same generator version and options. */
  written: boolean;
  /** Rows of the embedding table (`vocab_size` in config.json). */
  vocabSize: number;
  /** Tokens the tokenizer knows (ids below this decode to text). */
  tokenizerSize: number;
}

/** Serializes JSON the way every generated file does: two-space indent, trailing newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function stampOf(kind: string, options: object): string {
  return toJson({ generator: 'pagewise-test-models', version: GENERATOR_VERSION, kind, options });
}

/**
 * Sizes of an up-to-date folder, read back from its files (cheaper than training the tokenizer again).
 */
export async function readWrittenModel(dir: string): Promise<WrittenModel> {
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { vocab_size: number };
  const tokenizer = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')) as {
    added_tokens?: { id: number }[];
    model: { vocab: Record<string, number> };
  };
  // Added tokens may sit outside model.vocab (Qwen's do), so count the ids of both.
  const ids = new Set(Object.values(tokenizer.model.vocab));
  for (const { id } of tokenizer.added_tokens ?? []) ids.add(id);
  return { dir, written: false, vocabSize: config.vocab_size, tokenizerSize: ids.size };
}

/** Whether `dir` was written by this generator version with exactly these options, and still has `files`. */
export async function isUpToDate(
  dir: string,
  kind: string,
  options: object,
  files: string[],
): Promise<boolean> {
  try {
    if ((await readFile(join(dir, STAMP_FILE), 'utf8')) !== stampOf(kind, options)) return false;
    await Promise.all(files.map((file) => access(join(dir, file))));
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes a model folder. The stamp goes first out and last in, so an interrupted run leaves a folder
 * without a stamp, which the next run rewrites instead of trusting.
 */
export async function writeModelFiles(
  dir: string,
  kind: string,
  options: object,
  files: ModelFiles,
): Promise<void> {
  await rm(join(dir, STAMP_FILE), { force: true });
  // A weight file of a format no longer asked for would otherwise linger and be loaded by mistake.
  await rm(join(dir, 'onnx'), { recursive: true, force: true });
  for (const [path, content] of files) {
    const full = join(dir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
  await writeFile(join(dir, STAMP_FILE), stampOf(kind, options));
}
