import type {
  LanguageModelApi,
  LanguageModelCoreOptions,
  LanguageModelCreateOptions,
  LanguageModelMessage,
  LanguageModelMonitor,
  LanguageModelProgressEvent,
  LanguageModelSession,
} from '../../../src/engine/backends/chrome-builtin';

/*
 * A stand-in for Chrome's `LanguageModel` (the Prompt API), which no test browser here has. It behaves as
 * the spec and Chrome 138+ do: `availability()` gives one of four states; `create()` downloads first when the
 * model is `downloadable` (reporting `downloadprogress` as fractions to the monitor), rejects initial prompts
 * over the quota with a QuotaExceededError, and honours its signal; `promptStreaming()` returns a
 * ReadableStream of deltas (or, like Chrome before 138, of the whole text so far), errors with an AbortError
 * when its signal aborts, and adds the prompt and answer to the session's context when it completes.
 */

export type FakeState = 'unavailable' | 'downloadable' | 'downloading' | 'available' | 'readily';

/** Everything the fake does and saw, set per test. */
export interface FakeWorld {
  state: FakeState;
  /** Tokens of a session's context (`contextWindow` / `inputQuota`). */
  quota: number;
  /** What the model answers, as the chunks it streams. */
  reply: string[];
  /** Stream the whole text so far in each chunk (Chrome before 138) instead of deltas. */
  cumulative: boolean;
  /** Only the deprecated names (`inputQuota`, `inputUsage`, `measureInputUsage`), as older Chromes have. */
  legacyOnly: boolean;
  /** A download needs a user gesture (which a service worker never has), as `create()` on the web does. */
  downloadNeedsGesture: boolean;
  /** What `availability()` throws instead of answering, if anything. */
  availabilityError?: Error;
  availabilityCalls: (LanguageModelCoreOptions | undefined)[];
  created: FakeSession[];
  createCalls: LanguageModelCreateOptions[];
}

export function createWorld(change: Partial<FakeWorld> = {}): FakeWorld {
  return {
    state: 'available',
    quota: 4_096,
    reply: ['The harbour ', 'was rebuilt ', 'in 1962.'],
    cumulative: false,
    legacyOnly: false,
    downloadNeedsGesture: false,
    availabilityCalls: [],
    created: [],
    createCalls: [],
    ...change,
  };
}

const DENSE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/gu;
const CYRILLIC = /\p{Script=Cyrillic}/gu;

/**
 * The fake model's tokenizer: a CJK or Thai character is a token, Cyrillic two characters one, other text
 * four. (Thai, as dense as CJK here, is a script the backend's calibration has no sample of.)
 */
export function fakeTokens(text: string): number {
  const dense = text.match(DENSE)?.length ?? 0;
  const cyrillic = text.match(CYRILLIC)?.length ?? 0;
  return dense + Math.ceil(cyrillic / 2) + Math.ceil((text.length - dense - cyrillic) / 4);
}

/** Turn markers cost this much per message, as Gemma's do. */
const TURN_TOKENS = 4;

function inputTokens(input: string | LanguageModelMessage[]): number {
  const messages = typeof input === 'string' ? [{ role: 'user', content: input }] : input;
  return messages.reduce((sum, message) => sum + fakeTokens(message.content) + TURN_TOKENS, 0);
}

function domError(name: string, message: string): Error {
  return new DOMException(message, name);
}

/** Chrome's monitor is an EventTarget with `ondownloadprogress`; `loaded` is a fraction of `total` = 1. */
class ProgressMonitor implements LanguageModelMonitor {
  private readonly target = new EventTarget();
  addEventListener(type: 'downloadprogress', listener: (event: LanguageModelProgressEvent) => void): void {
    this.target.addEventListener(type, (event) => listener(event as unknown as LanguageModelProgressEvent));
  }
  report(loaded: number): void {
    this.target.dispatchEvent(Object.assign(new Event('downloadprogress'), { loaded, total: 1 }));
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** One session: its context holds its initial prompts, then each completed prompt and answer. */
export class FakeSession {
  context: LanguageModelMessage[];
  usage: number;
  destroyed = false;
  /** What each `promptStreaming` call was given, and the signal it got. */
  prompts: { input: string | LanguageModelMessage[]; signal: AbortSignal | undefined }[] = [];
  /** Chunks actually pulled from the streams. */
  pulled = 0;

  constructor(
    private readonly world: FakeWorld,
    readonly initialPrompts: LanguageModelMessage[],
  ) {
    this.context = [...initialPrompts];
    this.usage = initialPrompts.length > 0 ? inputTokens(initialPrompts) : 0;
  }

  async measure(input: string | LanguageModelMessage[]): Promise<number> {
    this.assertAlive();
    return inputTokens(input);
  }

  promptStreaming(
    input: string | LanguageModelMessage[],
    options: { signal?: AbortSignal } = {},
  ): ReadableStream<string> {
    this.assertAlive();
    const { signal } = options;
    this.prompts.push({ input, signal });
    const needed = inputTokens(input);
    let index = 0;
    let sofar = '';
    return new ReadableStream<string>({
      start: (controller) => {
        signal?.addEventListener('abort', () => controller.error(domError('AbortError', 'aborted')), {
          once: true,
        });
      },
      pull: async (controller) => {
        await tick();
        if (signal?.aborted) return;
        if (this.usage + needed > this.world.quota) {
          controller.error(domError('QuotaExceededError', 'The input is too large.'));
          return;
        }
        const chunk = this.world.reply[index++];
        if (chunk === undefined) {
          this.context.push(
            ...(typeof input === 'string' ? [{ role: 'user' as const, content: input }] : input),
          );
          this.context.push({ role: 'assistant', content: sofar });
          this.usage += needed + inputTokens([{ role: 'assistant', content: sofar }]);
          controller.close();
          return;
        }
        sofar += chunk;
        this.pulled++;
        controller.enqueue(this.world.cumulative ? sofar : chunk);
      },
    });
  }

  destroy(): void {
    this.destroyed = true;
  }

  private assertAlive(): void {
    if (this.destroyed) throw domError('InvalidStateError', 'The session has been destroyed.');
  }
}

/** The session as the backend sees it: with the current names or only the deprecated ones. */
function asApiSession(world: FakeWorld, session: FakeSession): LanguageModelSession {
  const api: LanguageModelSession = {
    promptStreaming: (input, options) => session.promptStreaming(input, options),
    destroy: () => session.destroy(),
    get inputQuota() {
      return world.quota;
    },
    get inputUsage() {
      return session.usage;
    },
    measureInputUsage: (input) => session.measure(input),
  };
  if (world.legacyOnly) return api;
  return Object.defineProperties(api, {
    contextWindow: { get: () => world.quota },
    contextUsage: { get: () => session.usage },
    measureContextUsage: { value: (input: string | LanguageModelMessage[]) => session.measure(input) },
  });
}

/**
 * A `LanguageModel` global over the world (its static side, which is all an extension calls): install it
 * with `vi.stubGlobal('LanguageModel', ...)`.
 */
export function createFakeLanguageModel(world: FakeWorld): LanguageModelApi {
  return {
    async availability(options?: LanguageModelCoreOptions): Promise<string> {
      world.availabilityCalls.push(options);
      if (world.availabilityError) throw world.availabilityError;
      return world.state;
    },

    async create(options: LanguageModelCreateOptions = {}): Promise<LanguageModelSession> {
      world.createCalls.push(options);
      if (options.signal?.aborted) throw domError('AbortError', 'aborted');
      if (world.state === 'unavailable' || world.state === 'readily') {
        throw domError('NotSupportedError', 'The model is not available.');
      }
      if (world.state === 'downloadable' && world.downloadNeedsGesture) {
        throw domError('NotAllowedError', 'Requires a user gesture when availability is "downloadable".');
      }
      const monitor = new ProgressMonitor();
      options.monitor?.(monitor);
      if (world.state !== 'available') {
        for (const loaded of [0, 0.5, 1]) {
          await tick();
          monitor.report(loaded);
        }
        world.state = 'available';
      }
      const initialPrompts = options.initialPrompts ?? [];
      if (initialPrompts.length > 0 && inputTokens(initialPrompts) > world.quota) {
        throw domError('QuotaExceededError', 'The initial prompts are too large, they exceed the quota.');
      }
      if (options.signal?.aborted) throw domError('AbortError', 'aborted');
      const session = new FakeSession(world, initialPrompts);
      world.created.push(session);
      return asApiSession(world, session);
    },
  };
}
