import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
// The path transformers.js itself imports, so this is its ort instance (one `ort.env`, one WASM heap, the
// same thread settings), whatever the build maps that path to.
import * as ort from 'onnxruntime-web/webgpu';
import browser from 'webextension-polyfill';
import type { ModelFiles } from '../../src/engine/backends/transformers-files';
import type { Engine } from '../../src/engine/engine';
import { fileUrl, onnxPath } from '../../src/engine/files/hub-files';
import { BENCH_QWEN_SHAPE, findModel } from '../../src/engine/registry';
import type { Backend, Session } from '../../src/engine/types';
import { readPage } from '../../src/handlers/page-reader';
import type { ChatMessage, ModelSpec } from '../../src/model';
import type { SummaryLength } from '../../src/protocol';
import { SUMMARY_OUTPUT_TOKENS, summaryPrompt } from '../../src/summarize/prompts';
import { summarizePage } from '../../src/summarize/summarize-page';
import { kvShape, rawGreedyDecode } from './raw-decode';

/** One summary as the bench times it, in the worker, from the model's turn to its last word. */
export interface BenchSummary {
  firstWordsMs: number;
  completeMs: number;
  /** Tokens of the page's text as the model counts them. */
  pageTokens: number;
  parts: number;
  characters: number;
}

/** One generation as the bench times it, from the call to the first token and on to the last. */
export interface BenchGeneration {
  promptTokens: number;
  newTokens: number;
  /** Time to the first token over the prompt's tokens: reading the prompt dominates it. */
  prefillMsPerToken: number;
  /** Tokens after the first, per second. */
  decodeTokensPerSecond: number;
  /** ORT threads the run used (the offscreen host's own count). */
  threads: number;
}

/** Where a bench generation runs: the engine's session in this worker (one thread), or the offscreen host. */
export type BenchHost = 'worker' | 'offscreen';

/** One timed generation for `decodeOverheadRatio` and `webgpuVsWasm`. */
export interface BenchDecode {
  promptTokens: number;
  newTokens: number;
  timeToFirstTokenMs: number;
  /** Generated tokens per second after the first one. */
  tokensPerSecond: number;
}

/** What the worker runs on, so the bench can say what it measured. */
export interface BenchEnvironment {
  /** Whether onnxruntime-web as imported here is the instance transformers.js runs on. */
  sameOrtInstance: boolean;
  numThreads: number | undefined;
  /** The WebGPU adapter's architecture (`swiftshader` here), or why there is none. */
  gpuAdapter: string;
  /** The tier the engine says it runs on (`status().engine.tier`); null before engine tiers. */
  engineTier: string | null;
}

/**
 * A cold start as the bench times it, in a worker just started: from the call to the model ready (the hash
 * check, if due this browser session, then the load), then to the first token (the first prefill after the
 * load: the warm-up, counted apart).
 */
export interface BenchColdStart {
  hashMs: number;
  loadMs: number;
  /** hashMs + loadMs: the call to the model ready. */
  readyMs: number;
  firstPrefillMs: number;
  /** The call to the first token. */
  firstWordsMs: number;
  promptTokens: number;
}

/** The raw floor: a plain `fetch` of the model file, then `ort.InferenceSession.create` on its bytes. */
export interface BenchRawLoad {
  fetchMs: number;
  createMs: number;
  totalMs: number;
  bytes: number;
}

/** Each copy a stored model goes through on its way to ONNX Runtime, timed on its own. */
export interface BenchCopies {
  /** The file's chunks out of IndexedDB (Blob handles: the bytes stay on disk). */
  idbReadMs: number;
  /** The Blobs into one ArrayBuffer in the worker's memory. */
  blobArrayBufferMs: number;
  /** ONNX Runtime's session from those bytes (it copies them into the WASM heap). */
  sessionCreateMs: number;
}

/** The raw baseline's own onnxruntime session on the model's file, and the prompt's tokens. */
interface RawBaseline {
  session: ort.InferenceSession;
  shape: ReturnType<typeof kvShape>;
  tokenizer: PreTrainedTokenizer;
}

/**
 * Whether `ort` here is the instance transformers.js runs on. Its `env.backends.onnx` is a shallow copy of
 * `ort.env`, so the nested `wasm` settings object is what both share.
 */
const isSameOrt = () => env.backends.onnx.wasm === ort.env.wasm;

/** Creates the raw baseline for the engine's model: call after the engine has loaded (ort is set up then). */
async function createRawBaseline(model: ModelSpec): Promise<RawBaseline> {
  if (!isSameOrt()) throw new Error('Two onnxruntime-web instances: the comparison is void');
  const base = browser.runtime.getURL(`models/${model.repo}/`);
  const [bytes, config, tokenizer] = await Promise.all([
    fetch(`${base}${onnxPath(model.dtype)}`).then((response) => response.arrayBuffer()),
    fetch(`${base}config.json`).then((response) => response.json() as Promise<Record<string, unknown>>),
    AutoTokenizer.from_pretrained(model.repo),
  ]);
  // The session options transformers.js uses on this device (models/session.js): the WASM provider.
  const session = await ort.InferenceSession.create(new Uint8Array(bytes), { executionProviders: ['wasm'] });
  return { session, shape: kvShape(config), tokenizer };
}

/**
 * For `npm run bench` only (its builds' worker, `worker.ts` here): summaries timed in the worker, the
 * progressive way the extension does it and the naive way (the whole page in one prompt), on the same model
 * and thread; one prompt timed on one thread here against the offscreen host's threads; and decode against
 * a raw ORT loop.
 */
export function installBenchHooks(
  engine: Engine,
  offscreen: Backend & { hostState(): { numThreads: number } | undefined },
  files: ModelFiles,
): void {
  const summarize = async (tabId: number, way: 'progressive' | 'naive', length: SummaryLength) => {
    const page = await readPage(tabId);
    const signal = new AbortController().signal;
    return engine.run(
      async (session): Promise<BenchSummary> => {
        const started = performance.now();
        let firstAt = 0;
        const onToken = () => {
          firstAt ||= performance.now();
        };
        let text: string;
        let parts = 1;
        if (way === 'naive') {
          const prompt = summaryPrompt(page, page.text, length);
          text = (
            await session.generate(prompt, { maxNewTokens: SUMMARY_OUTPUT_TOKENS[length], signal, onToken })
          ).text;
        } else {
          const summary = await summarizePage(session, page, length, { signal, onToken });
          text = summary.text;
          parts = summary.parts;
        }
        return {
          firstWordsMs: firstAt - started,
          completeMs: performance.now() - started,
          pageTokens: session.countTokens(page.text),
          parts,
          characters: text.length,
        };
      },
      { signal },
    );
  };
  let offscreenSession: Promise<Session> | undefined;
  const generate = async (where: BenchHost, prompt: string, maxNewTokens: number) => {
    const signal = new AbortController().signal;
    const timed = async (session: Session): Promise<BenchGeneration> => {
      const started = performance.now();
      let firstAt = 0;
      const result = await session.generate([{ role: 'user', content: prompt }], {
        maxNewTokens,
        signal,
        onToken: () => {
          firstAt ||= performance.now();
        },
      });
      const finished = performance.now();
      return {
        promptTokens: result.promptTokens,
        newTokens: result.newTokens,
        prefillMsPerToken: (firstAt - started) / result.promptTokens,
        decodeTokensPerSecond: ((result.newTokens - 1) * 1000) / (finished - firstAt),
        threads: where === 'worker' ? 1 : (offscreen.hostState()?.numThreads ?? 0),
      };
    };
    if (where === 'worker') return engine.run(timed, { signal });
    offscreenSession ??= offscreen.load(BENCH_QWEN_SHAPE, () => {});
    return timed(await offscreenSession);
  };

  /*
   * decodeOverheadRatio's two sides, same model file, same worker, same ort instance, one thread, same
   * prompt tokens and count of new tokens, both timed from the first new token to the last:
   * - ours: `Session.generate` as every feature calls it: chunked prefill, then transformers.js `generate`
   *   with repetition penalty 1.1, a yield to the event loop before each step (Stop), the abort check, the
   *   streamer and the text delta for each token;
   * - raw: `rawGreedyDecode` on its own `InferenceSession` of the same file: the forward passes and an argmax.
   * The random-weight model never emits its end token (its logits are biased off), so both write every token.
   */
  const decodeOurs = (messages: ChatMessage[], newTokens: number) => {
    const signal = new AbortController().signal;
    return engine.run(
      async (session): Promise<BenchDecode> => {
        const result = await session.generate(messages, { maxNewTokens: newTokens, signal });
        return {
          promptTokens: result.promptTokens,
          newTokens: result.newTokens,
          timeToFirstTokenMs: result.timeToFirstTokenMs,
          tokensPerSecond: result.tokensPerSecond,
        };
      },
      { signal },
    );
  };

  let raw: Promise<RawBaseline> | undefined;
  const decodeRaw = (messages: ChatMessage[], newTokens: number) => {
    const signal = new AbortController().signal;
    return engine.run(
      async (session): Promise<BenchDecode> => {
        raw ??= createRawBaseline(session.model);
        const { session: ortSession, shape, tokenizer } = await raw;
        // The prompt as Session.generate renders and encodes it.
        const text = tokenizer.apply_chat_template(messages, {
          add_generation_prompt: true,
          tokenize: false,
          ...session.model.chatTemplateOptions,
        }) as string;
        const ids = tokenizer.encode(text, { add_special_tokens: false }).map(Number);
        if (ids.length !== session.countPromptTokens(messages))
          throw new Error('The raw prompt differs from the session’s');
        const result = await rawGreedyDecode(ortSession, ort.Tensor, shape, ids, newTokens);
        return {
          promptTokens: ids.length,
          newTokens: result.ids.length,
          timeToFirstTokenMs: result.timeToFirstTokenMs,
          tokensPerSecond: result.tokensPerSecond,
        };
      },
      { signal },
    );
  };

  /** Frees the raw baseline's session (WASM memory itself never shrinks). */
  const releaseRaw = async () => {
    const baseline = await raw;
    raw = undefined;
    await baseline?.session.release();
  };

  const environment = async (): Promise<BenchEnvironment> => {
    const gpu = (
      navigator as { gpu?: { requestAdapter(): Promise<{ info?: { architecture?: string } } | null> } }
    ).gpu;
    const adapter = gpu ? await gpu.requestAdapter() : null;
    // Read by shape: engine tiers add `engine: { tier }` to the status; without them there is none.
    const status = (await engine.status()) as { engine?: { tier?: unknown } };
    const tier = typeof status.engine?.tier === 'string' ? status.engine.tier : null;
    return {
      sameOrtInstance: isSameOrt(),
      numThreads: ort.env.wasm.numThreads,
      gpuAdapter: gpu
        ? (adapter?.info?.architecture ?? 'no adapter') || 'unnamed adapter'
        : 'no navigator.gpu',
      engineTier: tier,
    };
  };

  const stored = (modelId: string) => {
    const model = findModel(modelId);
    if (!model || model.bundled) throw new Error(`${modelId} is not a downloaded model`);
    return { model, weights: fileUrl(files.downloader.host, model, onnxPath(model.dtype)) };
  };

  /** Downloads a model into the store (the hub is a stand-in), with nothing loaded. */
  const download = async (modelId: string) => {
    const started = performance.now();
    await files.downloader.ensure(stored(modelId).model);
    return performance.now() - started;
  };

  const coldStart = async (modelId: string, messages: ChatMessage[]): Promise<BenchColdStart> => {
    const { model } = stored(modelId);
    const signal = new AbortController().signal;
    const started = performance.now();
    // What the engine's load does first: hash the stored files, unless done in this browser session.
    await files.downloader.ensure(model);
    const hashed = performance.now();
    let readyAt = 0;
    return engine.run(
      async (session) => {
        readyAt ||= performance.now();
        let firstAt = 0;
        const result = await session.generate(messages, {
          maxNewTokens: 4,
          signal,
          onToken: () => {
            firstAt ||= performance.now();
          },
        });
        return {
          hashMs: hashed - started,
          loadMs: readyAt - hashed,
          readyMs: readyAt - started,
          firstPrefillMs: firstAt - readyAt,
          firstWordsMs: firstAt - started,
          promptTokens: result.promptTokens,
        };
      },
      { signal, onReady: () => (readyAt = performance.now()) },
    );
  };

  /** The floor of a load: the file fetched from the hub (loopback), then a session on its bytes. */
  const rawLoad = async (modelId: string): Promise<BenchRawLoad> => {
    const { weights } = stored(modelId);
    const started = performance.now();
    const bytes = new Uint8Array(await (await fetch(weights)).arrayBuffer());
    const fetched = performance.now();
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const created = performance.now();
    await session.release();
    return {
      fetchMs: fetched - started,
      createMs: created - fetched,
      totalMs: created - started,
      bytes: bytes.byteLength,
    };
  };

  const copies = async (modelId: string): Promise<BenchCopies> => {
    const { weights } = stored(modelId);
    const started = performance.now();
    const blobs = await files.store.readBlobs(weights);
    const read = performance.now();
    const bytes = new Uint8Array(await new Blob(blobs).arrayBuffer());
    const copied = performance.now();
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const created = performance.now();
    await session.release();
    return { idbReadMs: read - started, blobArrayBufferMs: copied - read, sessionCreateMs: created - copied };
  };

  Object.assign(globalThis, {
    pagewiseBench: {
      summarize,
      generate,
      decodeOurs,
      decodeRaw,
      releaseRaw,
      environment,
      download,
      coldStart,
      rawLoad,
      copies,
    },
  });
}
