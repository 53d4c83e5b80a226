import type { Availability, ChatMessage, ModelSpec, TierId, TierReport } from '../model';
import type { DownloadProgress } from '../protocol';
import type { MachineCapabilities } from './tiers';

export interface GenerateOptions {
  /** Upper bound on new tokens; the session lowers it further so the prompt plus answer fit the context. */
  maxNewTokens: number;
  signal: AbortSignal;
  /** Receives text as it is generated; never a partial multi-byte character. */
  onToken?(text: string): void;
  /** Reports prompt reading (prefill) progress in tokens, between chunks. */
  onPrefill?(done: number, total: number): void;
  /**
   * Keeps the model's KV cache under this key (a conversation id) so the next call with the same key only
   * reads the part of the prompt that changed. Without a key nothing is kept.
   */
  cacheKey?: string;
}

export interface GenerateResult {
  text: string;
  promptTokens: number;
  /** Prompt tokens served from the KV cache of an earlier call (not read again). */
  reusedTokens: number;
  newTokens: number;
  /** Milliseconds from the call to the first generated token. */
  timeToFirstTokenMs: number;
  /** Generated tokens per second after the first one. */
  tokensPerSecond: number;
}

/** A loaded model, ready to count tokens and generate. */
export interface Session {
  readonly model: ModelSpec;
  countTokens(text: string): number;
  /** Tokens of the whole rendered chat prompt, template included. */
  countPromptTokens(messages: ChatMessage[]): number;
  generate(messages: ChatMessage[], options: GenerateOptions): Promise<GenerateResult>;
  /** Drops what is kept under a cache key (a deleted conversation). */
  forget?(cacheKey: string): void;
  dispose(): Promise<void>;
}

export type BackendId =
  | 'transformers-wasm'
  | 'transformers-webgpu'
  | 'transformers-offscreen'
  | 'chrome-builtin'
  | 'local-server'
  | 'transformers-node';

/** One way of running a model: transformers.js on WASM, WebGPU or offscreen threads, or Chrome's own. */
export interface Backend {
  readonly id: BackendId;
  availability(model: ModelSpec): Promise<Availability>;
  /**
   * Loads the model, downloading it first where needed. An abort stops the download where it is (what was
   * stored stays, for the next load to resume) and rejects with `cancelled`.
   */
  load(
    model: ModelSpec,
    onProgress: (progress: DownloadProgress) => void,
    signal?: AbortSignal,
  ): Promise<Session>;
}

/** A backend as the engine's tier list holds it: the tier it serves and the model it runs there. */
export interface TierBackend {
  readonly tier: TierId;
  readonly backend: Backend;
  /**
   * The model this tier runs (the user's pick for the tier, else its default), for this machine: a GPU
   * without 16-bit shaders gets a file that does not need them.
   */
  model(machine?: MachineCapabilities): Promise<ModelSpec>;
  /** Its report, for a tier whose state is not the machine's but the user's setup (a connected server). */
  report?(): Promise<TierReport>;
}
