import { AutoTokenizer, env } from '@huggingface/transformers';
import { expect, test } from 'vitest';
import { TEST_DECODER_ID, TEST_MODELS_DIR } from '../../scripts/test-models';
import { createTextDelta } from '../../src/engine/text-delta';

// The real tokenizer of the generated model (byte-level BPE, as in Qwen's): emoji and CJK characters are
// split across tokens, and streaming must still never show half a character.

test.each([
  'Héllo wörld',
  'Emoji 👋🏽 and 🇸🇪 in a row',
  '中文摘要，日本語の要約',
  'mixed: naïve café 🙂 done',
])('streaming %s token by token shows only whole characters and adds up to the text', async (text) => {
  env.allowLocalModels = true;
  env.localModelPath = TEST_MODELS_DIR;
  const tokenizer = await AutoTokenizer.from_pretrained(TEST_DECODER_ID);
  const ids = tokenizer.encode(text, { add_special_tokens: false });
  expect(ids.length).toBeGreaterThan([...text].length / 2);
  const delta = createTextDelta((window) => tokenizer.decode(window, { skip_special_tokens: true }));
  const pieces = ids.map((id) => delta.push(id));
  for (const piece of pieces) expect(piece).not.toContain('\uFFFD');
  expect(pieces.join('')).toBe(text);
});
