/**
 * GPT-2's byte-to-unicode table: every byte maps to one printable character, so any UTF-8 text becomes
 * a string of "byte characters" that BPE can merge. Index = byte value.
 */
export const BYTE_TO_UNICODE: readonly string[] = (() => {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table: string[] = new Array(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + shifted++);
  }
  return table;
})();

const UNICODE_TO_BYTE = new Map(BYTE_TO_UNICODE.map((ch, b) => [ch, b]));

/** The pre-tokenizer's split pattern: the one tokenizers.js uses for `ByteLevel` with `use_regex: true`. */
const PRE_TOKENIZE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Splits text into words as the ByteLevel pre-tokenizer does, each in byte characters. */
function preTokenize(text: string): string[] {
  const encoder = new TextEncoder();
  return (text.match(PRE_TOKENIZE) ?? []).map((word) =>
    Array.from(encoder.encode(word), (b) => BYTE_TO_UNICODE[b] ?? '').join(''),
  );
}

/** The raw bytes a byte-level token stands for, or null when it contains a non-byte character. */
export function tokenBytes(token: string): number[] | null {
  const bytes: number[] = [];
  for (const ch of token) {
    const b = UNICODE_TO_BYTE.get(ch);
    if (b === undefined) return null;
    bytes.push(b);
  }
  return bytes;
}

/**
 * Learns up to `maxMerges` BPE merges from `corpus`, most frequent pair first. Ties go to the pair that
 * sorts first, so the result depends on nothing but the inputs. Stops early when no pair occurs at
 * least `minFrequency` times (merging one-off pairs only memorizes single words).
 */
export function trainBpeMerges(corpus: string, maxMerges: number, minFrequency = 2): [string, string][] {
  const counts = new Map<string, number>();
  for (const word of preTokenize(corpus)) counts.set(word, (counts.get(word) ?? 0) + 1);
  const words = [...counts].map(([word, count]) => ({ symbols: Array.from(word), count }));

  const merges: [string, string][] = [];
  while (merges.length < maxMerges) {
    // Byte characters never include a real space (0x20 maps to "Ġ"), so it can join a pair's key.
    const pairs = new Map<string, number>();
    for (const { symbols, count } of words) {
      for (let i = 0; i < symbols.length - 1; i++) {
        const key = `${symbols[i]} ${symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + count);
      }
    }
    let bestKey = '';
    let bestCount = 0;
    for (const [key, count] of pairs) {
      if (count > bestCount || (count === bestCount && key < bestKey)) {
        bestKey = key;
        bestCount = count;
      }
    }
    if (bestCount < minFrequency) break;
    const [left = '', right = ''] = bestKey.split(' ');
    merges.push([left, right]);
    const merged = left + right;
    for (const word of words) {
      const s = word.symbols;
      const out: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i < s.length - 1 && s[i] === left && s[i + 1] === right) {
          out.push(merged);
          i++;
        } else {
          out.push(s[i] ?? '');
        }
      }
      word.symbols = out;
    }
  }
  return merges;
}
