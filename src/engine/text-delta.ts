/**
 * Turns generated token ids into text deltas that never end inside a multi-byte character: byte-level
 * tokenizers split emoji and CJK across tokens, and decoding a prefix then yields U+FFFD, which must not
 * reach the screen. The deltas concatenate exactly to `text`.
 */
export function createTextDelta(decode: (ids: number[]) => string) {
  const ids: number[] = [];
  let text = '';
  const complete = (decoded: string) => decoded.replace(/\uFFFD+$/u, '');
  const advance = (decoded: string): string => {
    // A decoder may rewrite earlier text (space clean-up); only ever append, never retract what was shown.
    if (!decoded.startsWith(text) || decoded.length === text.length) return '';
    const delta = decoded.slice(text.length);
    text = decoded;
    return delta;
  };
  return {
    /** Adds one token; returns the text it completes (often '' mid-character). */
    push(id: number): string {
      ids.push(id);
      return advance(complete(decode(ids)));
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
