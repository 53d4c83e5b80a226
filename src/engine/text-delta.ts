/**
 * Turns generated token ids into text deltas that never end inside a multi-byte character: byte-level
 * tokenizers split emoji and CJK across tokens, and decoding a prefix then yields U+FFFD, which must not
 * reach the screen. The deltas concatenate exactly to `text`.
 *
 * Incremental, as Hugging Face's text-generation-inference does it: each step decodes only the last few
 * tokens (from `prefixOffset`), not the whole answer, and compares with the same window without the new
 * ones. Starting a few tokens back keeps decoders that treat a leading space specially exact.
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
