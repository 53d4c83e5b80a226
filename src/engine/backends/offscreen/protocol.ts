import * as v from 'valibot';
import { type ChatMessage, ModelSpecSchema } from '../../../model';
import { PROTOCOL } from '../../../protocol/messages';
import type { DownloadProgress } from '../../../protocol/payloads';
import type { GenerateResult } from '../../types';

// The port between the worker and the offscreen host (offscreen/index.ts), which runs the model on WASM
// threads a service worker cannot have. The worker opens it, asks, and routes the answers; the host only
// computes. Both sides check every message against these schemas, as they would a content script's.

/** The port's name: not under `PORT_PREFIX`, whose unknown names the stream server turns away. */
export const OFFSCREEN_PORT = `${PROTOCOL}/offscreen`;

/** The offscreen host's page (built as an extra input in vite.config.ts; not in the manifest). */
export const OFFSCREEN_PATH = 'offscreen/index.html';

/** The alarm that closes the offscreen host when idle; the worker's `chrome.alarms.onAlarm` routes it. */
export const OFFSCREEN_IDLE_ALARM = 'pagewise:offscreen-idle';

/** More than any prompt the registry's models take (32k tokens at a few characters each). */
const MAX_PROMPT_CHARS = 1_000_000;
const Id = v.pipe(v.number(), v.integer(), v.minValue(0));
const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Text = v.pipe(v.string(), v.maxLength(MAX_PROMPT_CHARS));
const Name = v.pipe(v.string(), v.minLength(1), v.maxLength(200));

const ChatMessageSchema = v.object({
  role: v.picklist(['system', 'user', 'assistant']),
  content: Text,
}) satisfies v.GenericSchema<ChatMessage>;

/** What the worker asks of the host. */
export const HostRequestSchema = v.variant('kind', [
  /** Loads the model on this many threads (answered at once when it is loaded already). */
  v.object({
    kind: v.literal('load'),
    model: ModelSpecSchema,
    numThreads: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(64)),
  }),
  v.object({
    kind: v.literal('generate'),
    id: Id,
    messages: v.pipe(v.array(ChatMessageSchema), v.minLength(1), v.maxLength(1_000)),
    maxNewTokens: v.pipe(Count, v.minValue(1)),
    cacheKey: v.optional(Name),
  }),
  /** The worker's AbortSignal, forwarded: ends generation `id` at its next step. */
  v.object({ kind: v.literal('stop'), id: Id }),
  /** Every request waiting for the model was stopped: the load in progress ends (its download stops). */
  v.object({ kind: v.literal('stopLoad') }),
]);
export type HostRequest = v.InferOutput<typeof HostRequestSchema>;

const ErrorSchema = v.record(v.string(), v.unknown());
const ProgressSchema = v.object({
  files: v.pipe(
    v.array(v.object({ name: v.pipe(v.string(), v.maxLength(2_000)), loaded: Count, total: Count })),
    v.maxLength(100),
  ),
  loaded: Count,
  total: Count,
}) satisfies v.GenericSchema<DownloadProgress>;

const GenerateResultSchema = v.object({
  text: Text,
  promptTokens: Count,
  reusedTokens: Count,
  newTokens: Count,
  timeToFirstTokenMs: v.number(),
  tokensPerSecond: v.number(),
}) satisfies v.GenericSchema<GenerateResult>;

/** How the host runs, as it found itself after loading: what the tier's report and the tests check. */
const HostStateSchema = v.object({
  crossOriginIsolated: v.boolean(),
  /** ORT's thread count after it started: 1 if it fell back to one thread. */
  numThreads: Count,
});
export type HostState = v.InferOutput<typeof HostStateSchema>;

/** What the host sends back. */
export const HostEventSchema = v.variant('kind', [
  /** Sent when the port is accepted: the host is listening. */
  v.object({ kind: v.literal('ready') }),
  v.object({ kind: v.literal('progress'), progress: ProgressSchema }),
  v.object({ kind: v.literal('loaded'), model: ModelSpecSchema, state: HostStateSchema }),
  v.object({ kind: v.literal('loadFailed'), error: ErrorSchema }),
  v.object({ kind: v.literal('token'), id: Id, text: Text }),
  v.object({ kind: v.literal('prefill'), id: Id, done: Count, total: Count }),
  v.object({ kind: v.literal('result'), id: Id, result: GenerateResultSchema }),
  v.object({ kind: v.literal('error'), id: Id, error: ErrorSchema }),
]);
export type HostEvent = v.InferOutput<typeof HostEventSchema>;

/** Parses one message of the port, or null when it is not one (ignored, never trusted). */
export function parseHostRequest(message: unknown): HostRequest | null {
  const parsed = v.safeParse(HostRequestSchema, message);
  return parsed.success ? parsed.output : null;
}

/** Parses one message of the port, or null when it is not one (ignored, never trusted). */
export function parseHostEvent(message: unknown): HostEvent | null {
  const parsed = v.safeParse(HostEventSchema, message);
  return parsed.success ? parsed.output : null;
}
