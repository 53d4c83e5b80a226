import { describe, expect, test } from 'vitest';
import {
  createNdjsonParser,
  createSseParser,
  type StreamParser,
} from '../../../../src/engine/backends/local-server/stream-parsers';

/** Every record of `body` read in two chunks split at byte `at`. */
function readSplit(parser: StreamParser, body: Uint8Array, at: number): string[] {
  return [...parser.push(body.subarray(0, at)), ...parser.push(body.subarray(at)), ...parser.end()];
}

const encode = (text: string) => new TextEncoder().encode(text);

const SSE_CASES: [string, string, string[]][] = [
  [
    'OpenAI chunks with CRLF, a comment and multi-byte text',
    ': keep-alive\r\n\r\ndata: {"choices":[{"delta":{"content":"Grüße 👋"}}]}\r\n\r\ndata: {"x":\r\ndata: "日本"}\r\n\r\ndata: [DONE]\r\n\r\n',
    ['{"choices":[{"delta":{"content":"Grüße 👋"}}]}', '{"x":\n"日本"}', '[DONE]'],
  ],
  [
    'LF, CR endings, multi-line data and other fields',
    'event: message\nid: 3\ndata: one\ndata:two\n\rdata: three\r\rretry: 10\n\ndata: last',
    ['one\ntwo', 'three', 'last'],
  ],
];

describe('createSseParser', () => {
  test.each(SSE_CASES)('%s, split at every byte', (_name, text, expected) => {
    const body = encode(text);
    for (let at = 0; at <= body.length; at++) {
      expect(readSplit(createSseParser(), body, at), `split at ${at}`).toEqual(expected);
    }
  });

  test('byte by byte', () => {
    const [, text, expected] = SSE_CASES[0] as [string, string, string[]];
    const parser = createSseParser();
    const events = [...encode(text)].flatMap((byte) => parser.push(new Uint8Array([byte])));
    expect([...events, ...parser.end()]).toEqual(expected);
  });

  test('an event is returned only once complete', () => {
    const parser = createSseParser();
    expect(parser.push(encode('data: a'))).toEqual([]);
    expect(parser.push(encode('\n'))).toEqual([]);
    expect(parser.push(encode('\n'))).toEqual(['a']);
  });
});

describe('createNdjsonParser', () => {
  const text =
    '{"message":{"content":"Ça"},"done":false}\r\n\n{"message":{"content":"🙂"},"done":false}\n{"done":true}';
  const expected = [
    '{"message":{"content":"Ça"},"done":false}',
    '{"message":{"content":"🙂"},"done":false}',
    '{"done":true}',
  ];

  test('split at every byte', () => {
    const body = encode(text);
    for (let at = 0; at <= body.length; at++) {
      expect(readSplit(createNdjsonParser(), body, at), `split at ${at}`).toEqual(expected);
    }
  });

  test('split at every pair of bytes', () => {
    const body = encode(text);
    for (let a = 0; a <= body.length; a++) {
      for (let b = a; b <= body.length; b += 7) {
        const parser = createNdjsonParser();
        const lines = [
          ...parser.push(body.subarray(0, a)),
          ...parser.push(body.subarray(a, b)),
          ...parser.push(body.subarray(b)),
          ...parser.end(),
        ];
        expect(lines).toEqual(expected);
      }
    }
  });
});
