import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  BUILTIN_ANSWER_TOKENS,
  BUILTIN_OPTIONS,
  createChromeBuiltinBackend,
  createChromeBuiltinTier,
  createChunkReader,
  downloadBuiltinModel,
  probeBuiltinModel,
} from '../../../src/engine/backends/chrome-builtin';
import { GEMINI_NANO } from '../../../src/engine/registry';
import type { GenerateOptions, Session } from '../../../src/engine/types';
import type { ChatMessage } from '../../../src/model';
import type { DownloadProgress } from '../../../src/protocol';
import {
  createFakeLanguageModel,
  createWorld,
  type FakeState,
  type FakeWorld,
  fakeTokens,
} from '../support/fake-language-model';

afterEach(() => {
  vi.unstubAllGlobals();
});

function install(change: Partial<FakeWorld> = {}): FakeWorld {
  const world = createWorld(change);
  vi.stubGlobal('LanguageModel', createFakeLanguageModel(world));
  return world;
}

async function load(
  world: FakeWorld,
  mayDownload = false,
): Promise<{ session: Session; progress: DownloadProgress[] }> {
  const progress: DownloadProgress[] = [];
  const backend = createChromeBuiltinBackend({ mayDownload: async () => mayDownload });
  const session = await backend.load(GEMINI_NANO, (p) => progress.push(p));
  expect(world.created.length).toBe(1);
  return { session, progress };
}

const SYSTEM: ChatMessage = { role: 'system', content: 'You summarize web pages. Be concise.' };
const ask = (question: string): ChatMessage => ({ role: 'user', content: question });

function options(change: Partial<GenerateOptions> = {}): GenerateOptions & { tokens: string[] } {
  const tokens: string[] = [];
  return {
    maxNewTokens: 256,
    signal: new AbortController().signal,
    onToken: (t) => tokens.push(t),
    tokens,
    ...change,
  };
}

describe('availability', () => {
  test.each<[FakeState, string]>([
    ['available', 'available'],
    ['downloadable', 'downloadable'],
    ['downloading', 'downloading'],
    ['unavailable', 'unavailable'],
    // The old `ai.languageModel.capabilities()` vocabulary, or any state this code does not know.
    ['readily', 'unavailable'],
  ])('Chrome says %s: the probe and the backend say %s', async (state, expected) => {
    const world = install({ state });
    expect(await probeBuiltinModel()).toBe(expected);
    expect(await createChromeBuiltinBackend().availability(GEMINI_NANO)).toBe(expected);
    // Asked with the options sessions are created with: availability depends on them.
    expect(world.availabilityCalls).toEqual([BUILTIN_OPTIONS, BUILTIN_OPTIONS]);
  });

  test('no Prompt API: the probe says null, the backend unavailable, loading fails with why', async () => {
    expect(await probeBuiltinModel()).toBeNull();
    const backend = createChromeBuiltinBackend();
    expect(await backend.availability(GEMINI_NANO)).toBe('unavailable');
    await expect(backend.load(GEMINI_NANO, () => {})).rejects.toMatchObject({
      code: 'model-load',
      message: expect.stringMatching(/no built-in model/),
    });
  });

  test('the probe never throws: a failing availability() reads as unavailable', async () => {
    install({ availabilityError: new DOMException('languages not supported', 'NotSupportedError') });
    expect(await probeBuiltinModel()).toBe('unavailable');
  });
});

describe('loading', () => {
  test('limits come from the session quota, with room for the answer', async () => {
    const { session } = await load(install({ quota: 6_144 }));
    expect(session.model).toMatchObject({
      id: GEMINI_NANO.id,
      contextSize: 6_144,
      maxPromptTokens: 6_144 - BUILTIN_ANSWER_TOKENS,
      maxChatPromptTokens: 6_144 - BUILTIN_ANSWER_TOKENS,
    });
  });

  test('unavailable: refused with a reason, nothing created', async () => {
    const world = install({ state: 'unavailable' });
    await expect(createChromeBuiltinBackend().load(GEMINI_NANO, () => {})).rejects.toMatchObject({
      code: 'model-load',
      message: expect.stringMatching(/cannot run on this computer/),
    });
    expect(world.createCalls).toEqual([]);
  });

  test('downloadable: never downloaded unless the user chose to', async () => {
    const world = install({ state: 'downloadable' });
    const refused = createChromeBuiltinBackend().load(GEMINI_NANO, () => {});
    await expect(refused).rejects.toMatchObject({
      code: 'model-download',
      message: expect.stringMatching(/Settings/),
    });
    const declined = createChromeBuiltinBackend({ mayDownload: async () => false }).load(
      GEMINI_NANO,
      () => {},
    );
    await expect(declined).rejects.toMatchObject({ code: 'model-download' });
    expect(world.createCalls).toEqual([]);
    expect(world.state).toBe('downloadable');
  });

  test.each<[FakeState, boolean]>([
    ['downloadable', true],
    // Already started (from Settings, or another extension): loading waits for it, reporting progress.
    ['downloading', false],
  ])("%s (user chose: %s): Chrome's download progress reaches onProgress", async (state, mayDownload) => {
    const world = install({ state });
    const { progress } = await load(world, mayDownload);
    const total = GEMINI_NANO.downloadBytes;
    expect(progress.map((p) => [p.loaded, p.total])).toEqual([
      [0, total],
      [total / 2, total],
      [total, total],
    ]);
    expect(progress[1]?.files).toEqual([{ name: GEMINI_NANO.name, loaded: total / 2, total }]);
    expect(typeof world.createCalls[0]?.monitor).toBe('function');
  });

  test('a download Chrome wants started by a click points the user to Settings', async () => {
    install({ state: 'downloadable', downloadNeedsGesture: true });
    const backend = createChromeBuiltinBackend({ mayDownload: async () => true });
    await expect(backend.load(GEMINI_NANO, () => {})).rejects.toMatchObject({
      code: 'model-download',
      message: expect.stringMatching(/click: use Download in Settings/),
    });
  });

  test('downloadBuiltinModel (the Settings button) reports progress and keeps no session', async () => {
    const world = install({ state: 'downloadable' });
    const progress: DownloadProgress[] = [];
    await downloadBuiltinModel((p) => progress.push(p));
    expect(progress.at(-1)?.loaded).toBe(GEMINI_NANO.downloadBytes);
    expect(world.state).toBe('available');
    expect(world.created.every((s) => s.destroyed)).toBe(true);
  });
});

describe('counting tokens', () => {
  const english =
    'Tourism now brings more money to the town than fishing does, and the council plans a new promenade ' +
    'along the harbour wall, paid for by a tax on summer visitors that shopkeepers have opposed for years. ';
  const japanese =
    '観光業は今や漁業よりも多くの収入を町にもたらしており、議会は港の壁沿いに新しい遊歩道を計画している。';

  const russian =
    'Туризм теперь приносит городу больше денег, чем рыболовство, и совет планирует новую набережную вдоль ' +
    'стены гавани, оплаченную налогом на летних гостей, против которого владельцы лавок выступают годами. ';

  test.each([
    ['English', english.repeat(8)],
    ['Japanese', japanese.repeat(8)],
    ['Russian', russian.repeat(8)],
    ['mixed', (english + japanese + russian).repeat(4)],
  ])('%s: the calibrated estimate is close to the model count, and not below it', async (_, text) => {
    const { session } = await load(install());
    const real = fakeTokens(text);
    const estimate = session.countTokens(text);
    expect(estimate).toBeGreaterThanOrEqual(real);
    expect(estimate).toBeLessThan(real * 1.2);
  });

  test('a script without a sample is learned from the first real prompt: later estimates fit', async () => {
    const { session } = await load(install({ quota: 8_192 }));
    const messages = [SYSTEM, ask('ท่าเรือถูกสร้างขึ้นใหม่หลังพายุปี 1962 '.repeat(40))];
    const real = messages.reduce((sum, m) => sum + fakeTokens(m.content) + 4, 0);
    expect(session.countPromptTokens(messages)).toBeLessThan(real);
    const result = await session.generate(messages, options());
    expect(result.promptTokens).toBe(real);
    expect(session.countPromptTokens(messages)).toBeGreaterThanOrEqual(real);
  });

  test('a prompt counts every message, with its turn markers', async () => {
    const { session } = await load(install());
    const messages = [SYSTEM, ask(english)];
    const real = messages.reduce((sum, m) => sum + fakeTokens(m.content) + 4, 0);
    expect(session.countPromptTokens(messages)).toBeGreaterThanOrEqual(real);
    expect(session.countTokens('')).toBe(0);
  });
});

describe('generating', () => {
  test.each([
    ['deltas (Chrome 138+)', false],
    ['the whole text in each chunk (older Chrome)', true],
  ])('streams %s into onToken as deltas', async (_, cumulative) => {
    const world = install({ cumulative });
    const { session } = await load(world);
    const o = options();
    const result = await session.generate([SYSTEM, ask('What happened in 1962?')], o);
    expect(o.tokens).toEqual(['The harbour ', 'was rebuilt ', 'in 1962.']);
    expect(result.text).toBe('The harbour was rebuilt in 1962.');
  });

  test.each([
    ['current names', false],
    ['deprecated names only', true],
  ])('the system message opens a fresh session; result fields are measured (%s)', async (_, legacyOnly) => {
    const world = install({ legacyOnly });
    const { session } = await load(world);
    const question = ask('What happened in 1962?');
    const result = await session.generate([SYSTEM, question], options());
    const call = world.created[1];
    expect(call?.initialPrompts).toEqual([SYSTEM]);
    expect(call?.prompts.map((p) => p.input)).toEqual([[question]]);
    expect(result.promptTokens).toBe(fakeTokens(SYSTEM.content) + 4 + fakeTokens(question.content) + 4);
    expect(result.reusedTokens).toBe(0);
    expect(result.newTokens).toBe(fakeTokens(result.text) + 4);
    expect(result.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
    expect(result.tokensPerSecond).toBeGreaterThan(0);
    // Without a conversation key nothing is kept.
    expect(call?.destroyed).toBe(true);
  });

  test('reports the prompt read once the first words arrive', async () => {
    const { session } = await load(install());
    const onPrefill = vi.fn();
    const result = await session.generate([SYSTEM, ask('Why?')], options({ onPrefill }));
    expect(onPrefill.mock.calls).toEqual([[result.promptTokens, result.promptTokens]]);
  });

  test('Stop mid-stream aborts the call: cancelled, no more tokens, session destroyed', async () => {
    const world = install({ reply: Array.from({ length: 50 }, (_, i) => `word${i} `) });
    const { session } = await load(world);
    const controller = new AbortController();
    const o = options({ signal: controller.signal });
    o.onToken = (t) => {
      o.tokens.push(t);
      if (o.tokens.length === 3) controller.abort();
    };
    await expect(session.generate([SYSTEM, ask('List words.')], o)).rejects.toMatchObject({
      code: 'cancelled',
    });
    const call = world.created[1];
    expect(call?.prompts[0]?.signal?.aborted).toBe(true);
    expect(o.tokens.length).toBe(3);
    expect(call?.pulled).toBeLessThan(6);
    expect(call?.destroyed).toBe(true);
  });

  test('stopped before it starts: cancelled, no session created', async () => {
    const world = install();
    const { session } = await load(world);
    const controller = new AbortController();
    controller.abort();
    await expect(
      session.generate([SYSTEM, ask('Hi')], options({ signal: controller.signal })),
    ).rejects.toMatchObject({ code: 'cancelled' });
    expect(world.created.length).toBe(1);
  });

  test('the answer ends at maxNewTokens: the Prompt API has no limit of its own', async () => {
    const world = install({ reply: Array.from({ length: 200 }, () => 'tokens ') });
    const { session } = await load(world);
    const result = await session.generate([SYSTEM, ask('Go on.')], options({ maxNewTokens: 20 }));
    expect(session.countTokens(result.text)).toBeGreaterThanOrEqual(20);
    expect(session.countTokens(result.text)).toBeLessThan(25);
    expect(world.created[1]?.prompts[0]?.signal?.aborted).toBe(true);
  });
});

describe('the quota', () => {
  const long = (tokens: number) => 'word '.repeat(Math.ceil((tokens * 4) / 5));

  test.each([
    ['the system message alone', [{ role: 'system', content: long(5_000) }, ask('Sum up.')]],
    ['the question', [SYSTEM, ask(long(5_000))]],
    // 13 system + 4,079 + 4 question = 4,096: Chrome would take it, but no token of answer would fit.
    ['the question, leaving no room for an answer', [SYSTEM, ask('x'.repeat(4_079 * 4))]],
  ] as [string, ChatMessage[]][])(
    'too long in %s: fails with too-long, nothing generated',
    async (_, messages) => {
      const world = install({ quota: 4_096 });
      const { session } = await load(world);
      const o = options();
      await expect(session.generate(messages, o)).rejects.toMatchObject({ code: 'too-long' });
      expect(o.tokens).toEqual([]);
      expect(world.created.slice(1).every((s) => s.prompts.length === 0 && s.destroyed)).toBe(true);
    },
  );

  test('the answer is kept within the room the prompt leaves', async () => {
    const world = install({ quota: 4_096, reply: Array.from({ length: 400 }, () => 'tokens ') });
    const { session } = await load(world);
    const result = await session.generate([SYSTEM, ask(long(4_000))], options({ maxNewTokens: 1_000 }));
    expect(result.promptTokens).toBeLessThan(4_096);
    expect(session.countTokens(result.text)).toBeLessThanOrEqual(4_096 - result.promptTokens + 2);
  });
});

describe('follow-ups reuse the conversation session', () => {
  test('same key and prefix: one session, only the new question read', async () => {
    const world = install();
    const { session } = await load(world);
    const first = [SYSTEM, ask('What happened in 1962?')];
    const one = await session.generate(first, options({ cacheKey: 'c1' }));
    const second = [...first, { role: 'assistant' as const, content: one.text }, ask('And then?')];
    const two = await session.generate(second, options({ cacheKey: 'c1' }));
    expect(world.created.length).toBe(2);
    const conversation = world.created[1];
    expect(conversation?.prompts.map((p) => p.input)).toEqual([[first[1]], [ask('And then?')]]);
    expect(two.reusedTokens).toBeGreaterThan(0);
    expect(two.promptTokens).toBe(two.reusedTokens + fakeTokens('And then?') + 4);
    expect(conversation?.destroyed).toBe(false);
    await session.dispose();
    expect(world.created.every((s) => s.destroyed)).toBe(true);
  });

  test.each([
    [
      'the system message changed',
      (answer: string) => [
        { role: 'system', content: 'Other page.' },
        ask('Q1'),
        { role: 'assistant', content: answer },
        ask('Q2'),
      ],
    ],
    [
      'an earlier answer differs',
      () => [SYSTEM, ask('Q1'), { role: 'assistant', content: 'edited' }, ask('Q2')],
    ],
    [
      'another key',
      (answer: string) => [SYSTEM, ask('Q1'), { role: 'assistant', content: answer }, ask('Q2')],
      'c2',
    ],
  ] as [string, (answer: string) => ChatMessage[], string?][])(
    '%s: a fresh session with the whole conversation',
    async (_, next, key = 'c1') => {
      const world = install();
      const { session } = await load(world);
      const one = await session.generate([SYSTEM, ask('Q1')], options({ cacheKey: 'c1' }));
      const messages = next(one.text);
      const two = await session.generate(messages, options({ cacheKey: key }));
      expect(world.created.length).toBe(3);
      expect(world.created[2]?.initialPrompts).toEqual(messages.slice(0, -1));
      expect(two.reusedTokens).toBe(0);
      if (key === 'c1') expect(world.created[1]?.destroyed).toBe(true);
    },
  );

  test('forget (a deleted conversation) destroys its session; the next question starts afresh', async () => {
    const world = install();
    const { session } = await load(world);
    const first = [SYSTEM, ask('Q1')];
    const one = await session.generate(first, options({ cacheKey: 'c1' }));
    session.forget?.('c1');
    expect(world.created[1]?.destroyed).toBe(true);
    const two = await session.generate(
      [...first, { role: 'assistant', content: one.text }, ask('Q2')],
      options({ cacheKey: 'c1' }),
    );
    expect(two.reusedTokens).toBe(0);
    expect(world.created.length).toBe(3);
  });

  test('a stopped answer is not kept: its session context is unknown', async () => {
    const world = install({ reply: Array.from({ length: 200 }, () => 'tokens ') });
    const { session } = await load(world);
    await session.generate([SYSTEM, ask('Q1')], options({ cacheKey: 'c1', maxNewTokens: 10 }));
    expect(world.created[1]?.destroyed).toBe(true);
  });
});

describe('stream chunks', () => {
  test.each([
    ['deltas', ['Hel', 'lo', ' world'], ['Hel', 'lo', ' world']],
    ['cumulative', ['Hel', 'Hello', 'Hello world'], ['Hel', 'lo', ' world']],
    ['a delta that repeats the start', ['ab', 'ab', 'c'], ['ab', 'ab', 'c']],
    // An emoji split between chunks waits for its second half.
    ['a split surrogate pair', ['hi \uD83D', '\uDE00!'], ['hi ', '\uD83D\uDE00!']],
    ['a split pair, cumulative', ['hi \uD83D', 'hi \uD83D\uDE00!'], ['hi ', '\uD83D\uDE00!']],
  ])('%s', (_, chunks, deltas) => {
    const reader = createChunkReader();
    expect(chunks.map((c) => reader.push(c))).toEqual(deltas);
    expect(reader.flush()).toBe('');
    expect(reader.text).toBe(deltas.join(''));
  });
});

test('the tier for the engine list', async () => {
  const tier = createChromeBuiltinTier();
  expect(tier.tier).toBe('chrome-builtin');
  expect(tier.backend.id).toBe('chrome-builtin');
  expect(await tier.model()).toBe(GEMINI_NANO);
  expect(GEMINI_NANO.tiers).toEqual(['chrome-builtin']);
});
