/**
 * Reads a streamed HTTP body as it arrives: bytes in, whole records out. Chunks may split anywhere, a
 * multi-byte character or a line ending included; nothing is returned until its record is complete.
 */
export interface StreamParser {
  /** The records completed by this chunk. */
  push(chunk: Uint8Array): string[];
  /** The records left when the body ends (a last one without its closing newline). */
  end(): string[];
}

/** Splits decoded text into lines, keeping a trailing partial line (and a lone `\r`) for the next chunk. */
function createLineSplitter() {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  const split = (text: string, final: boolean): string[] => {
    rest += text;
    const lines: string[] = [];
    let start = 0;
    for (let i = 0; i < rest.length; i++) {
      const char = rest[i];
      if (char !== '\n' && char !== '\r') continue;
      // `\r` at the end of a chunk may be the first half of `\r\n`: wait for the next chunk.
      if (char === '\r' && i === rest.length - 1 && !final) break;
      lines.push(rest.slice(start, i));
      if (char === '\r' && rest[i + 1] === '\n') i++;
      start = i + 1;
    }
    rest = rest.slice(start);
    if (final && rest) {
      lines.push(rest);
      rest = '';
    }
    return lines;
  };
  return {
    push: (chunk: Uint8Array) => split(decoder.decode(chunk, { stream: true }), false),
    end: () => split(decoder.decode(), true),
  };
}

/**
 * Server-sent events (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
 * each record is one event's `data`, its `data:` lines joined by newlines. Comments, `event:`, `id:` and
 * `retry:` fields are read past: OpenAI-style servers put everything in `data`.
 */
export function createSseParser(): StreamParser {
  const lines = createLineSplitter();
  let data: string[] = [];
  const read = (batch: string[], final: boolean): string[] => {
    const events: string[] = [];
    for (const line of batch) {
      if (line === '') {
        if (data.length) events.push(data.join('\n'));
        data = [];
      } else if (line.startsWith('data:')) {
        data.push(line.slice(line[5] === ' ' ? 6 : 5));
      } else if (line === 'data') {
        data.push('');
      }
    }
    // A body that ends without the blank line still delivers its last event.
    if (final && data.length) {
      events.push(data.join('\n'));
      data = [];
    }
    return events;
  };
  return {
    push: (chunk) => read(lines.push(chunk), false),
    end: () => read(lines.end(), true),
  };
}

/** Newline-delimited JSON (Ollama's `/api/chat`): each record is one non-empty line. */
export function createNdjsonParser(): StreamParser {
  const lines = createLineSplitter();
  const keep = (batch: string[]) => batch.filter((line) => line.trim() !== '');
  return {
    push: (chunk) => keep(lines.push(chunk)),
    end: () => keep(lines.end()),
  };
}
