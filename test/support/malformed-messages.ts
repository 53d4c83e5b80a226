import fc from 'fast-check';
import * as v from 'valibot';
import { MAX_PASSAGE_TEXT_CHARS, MAX_QUESTION_CHARS, MAX_SELECTION_CHARS } from '../../src/protocol/limits';
import { PROTOCOL, type Schemas } from '../../src/protocol/messages';

/*
 * Generators of malformed messages for the fuzz tests (unit and real Chromium alike): what a buggy page, a
 * stale extension version or a hostile sender could send. Every value generated is malformed: junk that is
 * not our envelope at all, an envelope of another protocol or with an unknown name, or a known name whose
 * payload its schema rejects.
 */

/**
 * streams.ts's prefix, spelled out: that module needs the extension APIs, which the e2e tests' Node side
 * lacks. The unit fuzz test imports the real one, so a drift fails it.
 */
export const PORT_PREFIX = `${PROTOCOL}:`;

/** How many generated messages each fuzz test sends: 10,000 in `npm test`, more with `npm run fuzz`. */
export function fuzzRuns(fallback = 10_000): number {
  const runs = Number(process.env.PAGEWISE_FUZZ_RUNS ?? fallback);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`PAGEWISE_FUZZ_RUNS must be a positive integer`);
  return runs;
}

/** Names that look up inherited properties, the classic way past a `name in handlers` check. */
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'];

/** Values that break naive checks: wrong types, out-of-range and non-integer numbers, huge strings. */
const nasty: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    undefined,
    true,
    false,
    -1,
    -0,
    0.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.MAX_SAFE_INTEGER + 2,
    -1e308,
    '',
    '0',
    '__proto__',
    [],
    {},
  ),
  // Just over each text limit, so only the length is wrong.
  fc
    .tuple(
      fc.constantFrom(MAX_PASSAGE_TEXT_CHARS, MAX_QUESTION_CHARS, MAX_SELECTION_CHARS),
      fc.string({ maxLength: 4 }),
    )
    .map(([limit, start]) => start.padEnd(limit + 1, 'x')),
  fc.integer({ min: -1_000_000, max: -1 }),
  fc.double({ noDefaultInfinity: false }),
  fc.array(fc.anything(), { maxLength: 4 }),
  fc.anything({ maxDepth: 2 }),
);

/** Any value a message channel could carry, and some it could not (the unit tests' listeners get them raw). */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 3, withNullPrototype: true, withBigInt: false }),
  fc.jsonValue({ maxDepth: 3 }),
  nasty,
);

/** A payload shaped like `schema` (same keys) with at least one field replaced, or junk, that it rejects. */
function badPayload(schema: v.GenericSchema): fc.Arbitrary<unknown> {
  const keys =
    'entries' in schema ? Object.keys((schema as v.ObjectSchema<v.ObjectEntries, undefined>).entries) : [];
  const shaped =
    keys.length === 0
      ? junk
      : fc.record(Object.fromEntries(keys.map((key) => [key, fc.oneof(nasty, junk)])), { requiredKeys: [] });
  return fc.oneof(shaped, junk).filter((data) => !v.safeParse(schema, data).success);
}

/** Kinds of malformed request, for the report of what was sent. */
export type MalformedKind = 'junk' | 'other-protocol' | 'unknown-name' | 'bad-payload';

/** A malformed request envelope for a request map, tagged with its kind. */
export function malformedRequest(schemas: Schemas): fc.Arbitrary<{ kind: MalformedKind; message: unknown }> {
  const names = Object.keys(schemas);
  const unknownName = fc
    .oneof(
      fc.constantFrom(...PROTOTYPE_NAMES),
      fc.string({ maxLength: 30 }),
      fc.constantFrom(...names).map((n) => `${n} `),
    )
    .filter((name) => !Object.hasOwn(schemas, name));
  return fc.oneof(
    junk
      .filter((message) => !isEnvelopeShaped(message))
      .map((message) => ({ kind: 'junk' as const, message })),
    fc
      .record({
        protocol: fc.oneof(fc.string(), fc.constantFrom('pagewise/0', 'pagewise/2', 'PAGEWISE/1'), nasty),
        name: fc.constantFrom(...names),
        data: junk,
      })
      .filter((message) => message.protocol !== PROTOCOL)
      .map((message) => ({ kind: 'other-protocol' as const, message })),
    fc
      .record({ protocol: fc.constant(PROTOCOL), name: fc.oneof(unknownName, nasty), data: junk })
      .filter((message) => typeof message.name !== 'string' || !Object.hasOwn(schemas, message.name))
      .map((message) => ({ kind: 'unknown-name' as const, message })),
    // Weighted: the payloads are what reaches the schemas and the handlers behind them.
    {
      weight: 4,
      arbitrary: fc.constantFrom(...names).chain((name) =>
        badPayload(schemas[name] as v.GenericSchema).map((data) => ({
          kind: 'bad-payload' as const,
          message: { protocol: PROTOCOL, name, data },
        })),
      ),
    },
  );
}

function isEnvelopeShaped(message: unknown): boolean {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { protocol?: unknown }).protocol === PROTOCOL
  );
}

/** Kinds of malformed stream traffic. */
export type MalformedStreamKind = 'port-name' | 'client-message' | 'bad-start' | 'bad-attach';

/**
 * Malformed stream traffic: a port name that is not a stream, or a stream port whose first message is junk,
 * a start with a payload its schema rejects, or an attach to no valid tab.
 */
export function malformedStreamTraffic(
  streams: Schemas,
): fc.Arbitrary<{ kind: MalformedStreamKind; portName: string; message: unknown }> {
  const names = Object.keys(streams);
  const streamPort = fc.constantFrom(...names).map((name) => ({ name, portName: PORT_PREFIX + name }));
  return fc.oneof(
    fc
      .oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom(...PROTOTYPE_NAMES).map((n) => PORT_PREFIX + n),
        fc.string({ maxLength: 20 }).map((n) => PORT_PREFIX + n),
      )
      .filter((portName) => !names.some((name) => portName === PORT_PREFIX + name))
      .chain((portName) =>
        fc.record({
          kind: fc.constant('port-name' as const),
          portName: fc.constant(portName),
          message: junk,
        }),
      ),
    streamPort.chain(({ portName }) =>
      junk
        .filter((message) => !isClientMessageShaped(message))
        .map((message) => ({ kind: 'client-message' as const, portName, message })),
    ),
    {
      weight: 4,
      arbitrary: streamPort.chain(({ name, portName }) =>
        badPayload(streams[name] as v.GenericSchema).map((data) => ({
          kind: 'bad-start' as const,
          portName,
          message: { kind: 'start', data },
        })),
      ),
    },
    streamPort.chain(({ portName }) =>
      fc
        .oneof(nasty, fc.string())
        .filter((tabId) => !(typeof tabId === 'number' && Number.isInteger(tabId) && tabId >= 0))
        .map((tabId) => ({ kind: 'bad-attach' as const, portName, message: { kind: 'attach', tabId } })),
    ),
  );
}

function isClientMessageShaped(message: unknown): boolean {
  const kind =
    typeof message === 'object' && message !== null ? (message as { kind?: unknown }).kind : undefined;
  return kind === 'start' || kind === 'attach' || kind === 'stop';
}

/** Counts by kind, for the report line each fuzz test prints. */
export function tally<K extends string>(): {
  add(kind: K): void;
  count(kind: K): number;
  total(): number;
  line(): string;
} {
  const counts = new Map<K, number>();
  return {
    add: (kind) => void counts.set(kind, (counts.get(kind) ?? 0) + 1),
    count: (kind) => counts.get(kind) ?? 0,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    line: () => [...counts].map(([kind, n]) => `${kind} ${n}`).join(', '),
  };
}

/**
 * What the receiving side must make of a request: ignore it (not ours), answer `invalid-message`, or serve
 * it. The real browser carries messages as JSON, so the e2e fuzz sorts its samples again after the trip.
 */
export function expectedOutcome(schemas: Schemas, message: unknown): 'ignored' | 'invalid' | 'valid' {
  // An envelope has all three keys (JSON drops an undefined `data`): anything less is not ours.
  if (!isEnvelopeShaped(message) || !Object.hasOwn(message as object, 'data')) return 'ignored';
  const { name, data } = message as { name?: unknown; data?: unknown };
  if (typeof name !== 'string' || !Object.hasOwn(schemas, name)) return 'ignored';
  return v.safeParse(schemas[name] as v.GenericSchema, data).success ? 'valid' : 'invalid';
}
