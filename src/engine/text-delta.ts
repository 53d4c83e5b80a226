/**
 * Turns generated token ids into text deltas that never end inside a multi-byte character: byte-level
 * tokenizers split emoji and CJK across tokens, and a decoded prefix would show U+FFFD. The deltas add up to
 * `text`. Incremental, as Hugging Face's text-generation-inference does it: each step decodes a window from
 * a few tokens back (which keeps leading-space handling exact), not the whole answer.
 */
export function createTextDelta(decode: (ids: number[]) => string) {
  const ids: number[] = [];
  let text = '';
  let prefixOffset = 0;
  let readOffset = 0;
  // Tokenizers refuse to decode nothing.
  const decodeSome = (window: number[]) => (window.length > 0 ? decode(window) : '');
  return {
    /** Adds one token; returns the text it completes (often '' mid-character). */
    push(id: number): string {
      ids.push(id);
      const before = decodeSome(ids.slice(prefixOffset, readOffset));
      const after = decodeSome(ids.slice(prefixOffset));
      // Wait while the window ends in an incomplete character. (Sliced by length, as TGI does: a decoder
      // that rewrites the window's start, such as space clean-up, must not stall the stream.)
      if (after.length <= before.length || after.endsWith('\uFFFD')) return '';
      const delta = after.slice(before.length);
      prefixOffset = readOffset;
      readOffset = ids.length;
      text += delta;
      return delta;
    },
    /** The text so far: what all deltas add up to. */
    get text(): string {
      return text;
    },
    get tokenCount(): number {
      return ids.length;
    },
  };
}
