/**
 * Turns a stream's chunks into deltas. The spec and the Chrome releases that ship the API to extensions
 * (138+) stream deltas; early trial builds sent the whole text so far in each chunk, and are told apart on
 * the second chunk.
 */
export function createChunkReader() {
  let text = '';
  let cumulative: boolean | undefined;
  let held = '';
  return {
    /** The new text a chunk brings, never ending in half of a surrogate pair. */
    push(chunk: string): string {
      if (cumulative === undefined && text.length + held.length > 0 && chunk.length > 0) {
        // Decided on the second chunk: a delta that starts with everything said so far is not a delta.
        cumulative = chunk.length > text.length + held.length && chunk.startsWith(text + held);
      }
      let delta = held + (cumulative ? chunk.slice(text.length + held.length) : chunk);
      held = '';
      const last = delta.charCodeAt(delta.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        held = delta.slice(-1);
        delta = delta.slice(0, -1);
      }
      text += delta;
      return delta;
    },
    /** Whatever is still held back, at the end of the stream. */
    flush(): string {
      const rest = held;
      held = '';
      text += rest;
      return rest;
    },
    get text(): string {
      return text;
    },
  };
}
