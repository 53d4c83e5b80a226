const OPEN = '<think>';
const CLOSE = '</think>';

/** The longest end of `text` that could be the start of `tag`, cut across two pieces of a stream. */
function partialTagLength(text: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, text.length); n > 0; n--) {
    if (tag.startsWith(text.slice(-n))) return n;
  }
  return 0;
}

/**
 * Removes `<think>…</think>` blocks from streamed text (Qwen3 reasons in them, even when asked not to, on
 * some prompts). Tags split across pieces are recognised; the whitespace after a block is dropped; an
 * unclosed block is dropped at the end, as it is reasoning, not an answer.
 */
export function createThinkFilter() {
  let buffer = '';
  let thinking = false;
  let trimStart = false;

  const drain = (final: boolean): string => {
    let out = '';
    for (;;) {
      if (thinking) {
        const close = buffer.indexOf(CLOSE);
        if (close < 0) {
          buffer = final ? '' : buffer.slice(buffer.length - partialTagLength(buffer, CLOSE));
          return out;
        }
        buffer = buffer.slice(close + CLOSE.length);
        thinking = false;
        trimStart = true;
        continue;
      }
      if (trimStart) {
        buffer = buffer.replace(/^\s+/, '');
        if (buffer === '' && !final) return out;
        trimStart = false;
      }
      const open = buffer.indexOf(OPEN);
      if (open >= 0) {
        out += buffer.slice(0, open);
        buffer = buffer.slice(open + OPEN.length);
        thinking = true;
        continue;
      }
      const keep = final ? 0 : partialTagLength(buffer, OPEN);
      out += buffer.slice(0, buffer.length - keep);
      buffer = buffer.slice(buffer.length - keep);
      return out;
    }
  };

  return {
    /** The visible part of the text so far that can no longer turn out to be inside a block. */
    push(text: string): string {
      buffer += text;
      return drain(false);
    },
    /** What was held back at the end of the stream. */
    end(): string {
      return drain(true);
    },
  };
}

/** `text` without its `<think>` blocks. */
export function stripThinking(text: string): string {
  const filter = createThinkFilter();
  return filter.push(text) + filter.end();
}
