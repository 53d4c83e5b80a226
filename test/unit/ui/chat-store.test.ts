import { describe, expect, test } from 'vitest';
import { AppError, diskFull, type ErrorCode, fromErrorData, toErrorData } from '../../../src/errors';
import { type ChatStore, createChatStore } from '../../../src/ui/chat-store';
import {
  answer,
  conversationOf,
  createFakeChatClient,
  type FakeChatClient,
  passage,
  question,
  qwen,
  TIDES,
  VOLCANOES,
  viewOf,
} from './fake-chat-client';

const TAB = 7;
const OTHER_TAB = 8;

/** Lets the store take in what the fake worker just did (promise continuations, the stop's timer). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1));

/** The messages as a reader skims them: who said what, and how an answer ended. */
const transcript = (store: ChatStore) =>
  store.messages.value.map(
    (m) => `${m.role}: ${m.content}${m.status && m.status !== 'complete' ? ` (${m.status})` : ''}`,
  );

const view = (store: ChatStore) => ({ state: store.state.value, status: store.statusText.value });

const earlier = () =>
  conversationOf('c1', [
    question('What causes tides?'),
    answer('The **moon**.', [passage(0, 'The moon pulls.')]),
  ]);

async function ready(client: FakeChatClient = createFakeChatClient(), tab: number | null = TAB) {
  if (!client.views.has(TAB)) client.views.set(TAB, viewOf(TIDES));
  const store = createChatStore(client);
  await store.init(tab);
  return { client, store };
}

describe('asking', () => {
  test('the first question on a long page says how far the page is read', async () => {
    const { client, store } = await ready();
    void store.send('Why?');
    client.run.emit({ type: 'stage', stage: 'reading', part: { index: 12, count: 48 } });
    expect(view(store)).toEqual({ state: 'reading', status: 'Reading the page… 25%' });
    client.run.emit({ type: 'stage', stage: 'generating' });
    expect(view(store)).toEqual({ state: 'generating', status: 'Writing the answer…' });
    // A later question starts without the old figure.
    client.run.fail(new AppError('cancelled', 'Stopped.'));
    await settle();
    void store.send('And?');
    expect(view(store)).toEqual({ state: 'reading', status: 'Reading the page…' });
  });

  test('shows the question at once, then the saved conversation, the sources and the streamed answer', async () => {
    const { client, store } = await ready();
    expect(view(store)).toEqual({ state: 'idle', status: 'Ready' });
    expect(store.canSend.value).toBe(true);

    const done = store.send('  Why are there two tides a day?  ');
    expect(client.run.request).toEqual({
      tabId: TAB,
      conversationId: null,
      question: 'Why are there two tides a day?',
      selection: null,
      preset: null,
      regenerate: false,
    });
    expect(transcript(store)).toEqual(['user: Why are there two tides a day?']);
    expect(view(store)).toEqual({ state: 'reading', status: 'Reading the page…' });
    expect(store.busy.value).toBe(true);
    expect(store.canSend.value).toBe(false);

    const asked = question('Why are there two tides a day?');
    client.run.emit({ type: 'conversation', conversation: conversationOf('c9', [asked]) });
    expect(store.conversation.value?.id).toBe('c9');
    expect(transcript(store)).toEqual(['user: Why are there two tides a day?']);

    const sources = [passage(3, 'The moon and the sun pull on the oceans.', 'Causes')];
    client.run.emit({ type: 'sources', sources }, { type: 'stage', stage: 'generating' });
    expect(store.sources.value).toEqual(sources);
    expect(view(store)).toEqual({ state: 'generating', status: 'Writing the answer…' });

    client.run.emit({ type: 'token', text: 'Two ' }, { type: 'token', text: 'bulges.' });
    expect(store.answer.value).toBe('Two bulges.');

    client.run.finish(conversationOf('c9', [asked, answer('Two bulges.', sources)]));
    await done;
    expect(view(store)).toEqual({ state: 'done', status: 'Done' });
    expect(transcript(store)).toEqual(['user: Why are there two tides a day?', 'assistant: Two bulges.']);
    expect(store.messages.value[1]?.sources).toEqual(sources);
    expect(store.answer.value).toBe('');
    expect(store.sources.value).toEqual([]);
    expect(store.busy.value).toBe(false);
  });

  test('continues the tab’s conversation', async () => {
    const client = createFakeChatClient();
    client.views.set(TAB, viewOf(TIDES, earlier()));
    const { store } = await ready(client);
    expect(transcript(store)).toEqual(['user: What causes tides?', 'assistant: The **moon**.']);
    void store.send('And the sun?');
    expect(client.run.request?.conversationId).toBe('c1');
    expect(transcript(store)).toEqual([
      'user: What causes tides?',
      'assistant: The **moon**.',
      'user: And the sun?',
    ]);
  });

  test('shows the model download in megabytes, then counts the model as available', async () => {
    const { client, store } = await ready(createFakeChatClient(qwen('downloadable')));
    const done = store.send('Hi?');
    client.run.emit({ type: 'stage', stage: 'loading' });
    expect(view(store)).toEqual({ state: 'loading', status: 'Loading the model…' });
    client.run.emit({ type: 'modelProgress', progress: { files: [], loaded: 128e6, total: 512e6 } });
    expect(view(store)).toEqual({ state: 'loading', status: 'Downloading the model… 128 / 512 MB' });
    expect(store.progress.value).toBeCloseTo(0.25);
    client.run.emit({ type: 'stage', stage: 'generating' });
    expect(store.progress.value).toBeNull();

    client.status = qwen('available');
    client.run.finish(conversationOf('c2', [question('Hi?'), answer('Hello.')]));
    await done;
    expect(store.modelStatus.value?.availability).toBe('available');
  });

  test.each(['', '   ', '\n'])('does not send an empty question (%j)', async (text) => {
    const { client, store } = await ready();
    await store.send(text);
    expect(client.runs).toHaveLength(0);
  });

  test('cannot ask about a page the assistant can’t read', async () => {
    const client = createFakeChatClient();
    client.views.set(TAB, {
      page: null,
      unreadable: 'Pagewise can’t read browser pages.',
      conversation: null,
      answering: false,
    });
    const { store } = await ready(client);
    expect(store.unreadable.value).toBe('Pagewise can’t read browser pages.');
    expect(store.canSend.value).toBe(false);
    await store.send('Anything?');
    expect(client.runs).toHaveLength(0);
  });
});

describe('stop', () => {
  test('keeps the partial answer, marked as stopped', async () => {
    const { client, store } = await ready();
    const done = store.send('Why?');
    client.run.emit(
      { type: 'conversation', conversation: conversationOf('c3', [question('Why?')]) },
      { type: 'sources', sources: [passage(1, 'Gravity.')] },
      { type: 'token', text: 'Because of grav' },
    );
    store.stop();
    expect(client.run.stopped).toBe(true);
    expect(view(store)).toEqual({ state: 'idle', status: 'Stopped. This answer is unfinished.' });
    expect(transcript(store)).toEqual(['user: Why?', 'assistant: Because of grav (stopped)']);
    expect(store.messages.value[1]?.sources).toEqual([passage(1, 'Gravity.')]);
    expect(store.busy.value).toBe(false);

    // What the worker still sends after the stop changes nothing.
    client.run.emit({ type: 'token', text: 'ity' });
    await done;
    await settle();
    expect(transcript(store)).toEqual(['user: Why?', 'assistant: Because of grav (stopped)']);
    expect(store.error.value).toBeNull();
  });

  test('the stopped answer shown is the one the worker saved, not what the panel streamed', async () => {
    const { client, store } = await ready();
    const done = store.send('Why?');
    client.run.emit(
      { type: 'conversation', conversation: conversationOf('c4', [question('Why?')]) },
      { type: 'token', text: 'Because of grav' },
    );
    store.stop();
    expect(transcript(store)).toEqual(['user: Why?', 'assistant: Because of grav (stopped)']);
    // The worker wrote one more token before it saw the Stop (the panel no longer streams it), saved the
    // answer, and sends the conversation as saved last.
    client.run.emit(
      { type: 'token', text: 'ity' },
      {
        type: 'finalConversation',
        conversation: conversationOf('c4', [question('Why?'), answer('Because of gravity', [], 'stopped')]),
      },
    );
    expect(transcript(store)).toEqual(['user: Why?', 'assistant: Because of gravity (stopped)']);
    await done;
    await settle();
    expect(transcript(store)).toEqual(['user: Why?', 'assistant: Because of gravity (stopped)']);
    expect(view(store)).toEqual({ state: 'idle', status: 'Stopped. This answer is unfinished.' });
    // No round trip to read back what was saved: the stream said it.
    expect(client.requests).toEqual(['getChat']);
  });

  test('an answer that failed shows what the worker saved of it, and Retry writes it again', async () => {
    const { client, store } = await ready();
    const done = store.send('Why?');
    client.run.emit(
      { type: 'conversation', conversation: conversationOf('c6', [question('Why?')]) },
      { type: 'token', text: 'Because' },
      {
        type: 'finalConversation',
        conversation: conversationOf('c6', [question('Why?'), answer('Because the', [], 'interrupted')]),
      },
    );
    client.run.fail(new AppError('model-download', 'The model could not be loaded.'));
    await done;
    expect(transcript(store)).toEqual(['user: Why?', 'assistant: Because the (interrupted)']);
    expect(view(store)).toEqual({ state: 'error', status: 'The model could not be loaded.' });
    expect(client.requests).toEqual(['getChat']);

    void store.retry();
    expect(client.run.request).toMatchObject({ conversationId: 'c6', regenerate: true });
    expect(transcript(store)).toEqual(['user: Why?']);
  });

  test('before any text, keeps the question and says Stopped', async () => {
    const { store } = await ready();
    void store.send('Why?');
    store.stop();
    expect(transcript(store)).toEqual(['user: Why?']);
    expect(store.statusText.value).toBe('Stopped. This answer is unfinished.');
  });

  test('a cancellation from the worker reads the same as Stop', async () => {
    const { client, store } = await ready();
    const done = store.send('Why?');
    client.run.emit({ type: 'token', text: 'Half' });
    client.run.fail(new AppError('cancelled', 'Stopped.'));
    await done;
    expect(transcript(store)).toEqual(['user: Why?', 'assistant: Half (stopped)']);
    expect(store.state.value).toBe('idle');
  });
});

describe('errors', () => {
  test.each<[ErrorCode, boolean]>([
    ['model-download', true],
    ['page-unreachable', true],
    ['worker-stopped', true],
    ['empty-page', false],
    ['unreadable-page', false],
  ])('a %s error shows its message (retryable: %s)', async (code, retryable) => {
    const { client, store } = await ready();
    const done = store.send('Why?');
    client.run.fail(new AppError(code, 'What happened, and what to do.'));
    await done;
    expect(view(store)).toEqual({ state: 'error', status: 'What happened, and what to do.' });
    expect(store.error.value).toEqual({ message: 'What happened, and what to do.', code, retryable });
  });

  test('before the worker saved the question, Retry asks it again, once', async () => {
    const { client, store } = await ready();
    const first = store.send('Why?');
    client.run.fail(new AppError('page-unreachable', 'Reload the page, then try again.'));
    await first;
    expect(transcript(store)).toEqual(['user: Why?']);

    const again = store.retry();
    expect(client.runs).toHaveLength(2);
    expect(client.run.request).toMatchObject({ question: 'Why?', conversationId: null, regenerate: false });
    expect(transcript(store)).toEqual(['user: Why?']);
    expect(store.error.value).toBeNull();
    expect(store.state.value).toBe('reading');

    client.run.finish(conversationOf('c4', [question('Why?'), answer('Because.')]));
    await again;
    expect(transcript(store)).toEqual(['user: Why?', 'assistant: Because.']);
  });

  test('a worker that stops mid-answer keeps the text as interrupted, and Retry answers again', async () => {
    const { client, store } = await ready();
    const first = store.send('Why?');
    client.run.emit(
      { type: 'conversation', conversation: conversationOf('c5', [question('Why?')]) },
      { type: 'token', text: 'Because' },
    );
    client.run.fail(new AppError('worker-stopped', 'The assistant stopped before it finished. Try again.'));
    await first;
    expect(transcript(store)).toEqual(['user: Why?', 'assistant: Because (interrupted)']);
    expect(store.error.value?.retryable).toBe(true);

    void store.retry();
    expect(client.run.request).toMatchObject({ conversationId: 'c5', regenerate: true });
    expect(transcript(store)).toEqual(['user: Why?']);
  });

  test('an unexpected error still reads as a message', async () => {
    const { client, store } = await ready();
    const done = store.send('Why?');
    client.run.fail(new Error('boom'));
    await done;
    expect(store.error.value).toMatchObject({ code: 'internal', retryable: true });
    expect(store.statusText.value).toContain('boom');
  });

  test('a full disk reads as a full disk, not "Something went wrong"', async () => {
    const { client, store } = await ready();
    const done = store.send('Why?');
    // As the worker sends it: a QuotaExceededError from IndexedDB, through the port as error data.
    client.run.fail(
      fromErrorData(toErrorData(new DOMException('The quota has been exceeded.', 'QuotaExceededError'))),
    );
    await done;
    expect(store.error.value).toMatchObject({ code: 'disk-full' });
    expect(store.statusText.value).toBe(diskFull().message);
    expect(store.statusText.value).not.toMatch(/Something went wrong/);
  });

  test('a tab the worker can’t look up shows the error, and Retry loads it again', async () => {
    const client = createFakeChatClient();
    const store = createChatStore(client);
    await store.init(OTHER_TAB);
    expect(store.state.value).toBe('error');
    expect(store.error.value?.code).toBe('page-unreachable');
    expect(store.canSend.value).toBe(false);

    client.views.set(OTHER_TAB, viewOf(VOLCANOES));
    await store.retry();
    expect(view(store)).toEqual({ state: 'idle', status: 'Ready' });
    expect(store.page.value).toEqual(VOLCANOES);
    expect(store.canSend.value).toBe(true);
  });
});

describe('regenerate', () => {
  test('writes the last answer again, in place of the old one', async () => {
    const client = createFakeChatClient();
    const saved = earlier();
    client.views.set(TAB, viewOf(TIDES, saved));
    const { store } = await ready(client);
    expect(store.canRegenerate.value).toBe(true);

    const done = store.regenerate();
    expect(client.run.request).toEqual({
      tabId: TAB,
      conversationId: 'c1',
      question: '',
      selection: null,
      preset: null,
      regenerate: true,
    });
    expect(transcript(store)).toEqual(['user: What causes tides?']);

    client.run.emit(
      { type: 'conversation', conversation: conversationOf('c1', saved.messages.slice(0, 1)) },
      { type: 'token', text: 'Gravity' },
    );
    expect(store.answer.value).toBe('Gravity');
    const [asked] = saved.messages;
    if (!asked) throw new Error('fixture');
    client.run.finish(conversationOf('c1', [asked, answer('Gravity of the moon and sun.')]));
    await done;
    expect(transcript(store)).toEqual([
      'user: What causes tides?',
      'assistant: Gravity of the moon and sun.',
    ]);
  });

  test('is not offered with no answer, or while one is written', async () => {
    const { store } = await ready();
    expect(store.canRegenerate.value).toBe(false);
    void store.send('Why?');
    expect(store.canRegenerate.value).toBe(false);
  });

  test('a question stopped before the worker saved it is asked again with its selection and preset', async () => {
    const client = createFakeChatClient();
    client.pending.set(TAB, { tabId: TAB, selection: 'spring tide', preset: 'define', createdAt: 0 });
    const { store } = await ready(client);
    client.run.emit({ type: 'token', text: 'A spr' });
    store.stop();
    expect(transcript(store)).toEqual(['user: Define this', 'assistant: A spr (stopped)']);

    void store.regenerate();
    expect(client.runs).toHaveLength(2);
    expect(client.run.request).toMatchObject({
      question: 'Define this',
      selection: 'spring tide',
      preset: 'define',
      regenerate: false,
    });
    expect(transcript(store)).toEqual(['user: Define this']);
  });
});

describe('right-click requests', () => {
  test('a preset starts answering at once, about the selection', async () => {
    const client = createFakeChatClient();
    client.views.set(TAB, viewOf(TIDES, earlier()));
    client.pending.set(TAB, { tabId: TAB, selection: 'neap tide', preset: 'explain', createdAt: 0 });
    const { store } = await ready(client);
    expect(client.run.request).toEqual({
      tabId: TAB,
      conversationId: 'c1',
      question: 'Explain this',
      selection: 'neap tide',
      preset: 'explain',
      regenerate: false,
    });
    expect(store.messages.value.at(-1)).toMatchObject({ role: 'user', selection: 'neap tide' });
    expect(store.pendingSelection.value).toBeNull();
    expect(client.pending.size).toBe(0);
  });

  test('without a preset, the selection is quoted and the question box focused; the question carries it', async () => {
    const client = createFakeChatClient();
    client.pending.set(TAB, { tabId: TAB, selection: 'neap tide', preset: null, createdAt: 0 });
    const { store } = await ready(client);
    const focus = store.focusRequest.value;
    expect(client.runs).toHaveLength(0);
    expect(store.pendingSelection.value).toBe('neap tide');
    expect(focus).toBeGreaterThan(0);

    void store.send('When does it happen?');
    expect(client.run.request).toMatchObject({ question: 'When does it happen?', selection: 'neap tide' });
    expect(store.pendingSelection.value).toBeNull();
  });

  test('one left while the panel is open is taken for its tab only', async () => {
    const { client, store } = await ready();
    client.leavePendingAsk({ tabId: OTHER_TAB, selection: 'lava', preset: null, createdAt: 0 });
    await settle();
    expect(store.pendingSelection.value).toBeNull();
    expect(client.pending.has(OTHER_TAB)).toBe(true);

    client.leavePendingAsk({ tabId: TAB, selection: 'tidal range', preset: null, createdAt: 0 });
    await settle();
    expect(store.pendingSelection.value).toBe('tidal range');
  });

  test('a preset while an answer is written stops it and answers the new request', async () => {
    const { client, store } = await ready();
    void store.send('Why?');
    client.run.emit({ type: 'token', text: 'Bec' });
    const first = client.run;
    client.leavePendingAsk({ tabId: TAB, selection: 'bore', preset: 'summarize', createdAt: 0 });
    await settle();
    expect(first.stopped).toBe(true);
    expect(client.run.request).toMatchObject({ preset: 'summarize', selection: 'bore' });
    expect(transcript(store)).toEqual(['user: Why?', 'assistant: Bec (stopped)', 'user: Summarize this']);
  });

  test('the quoted selection can be removed', async () => {
    const client = createFakeChatClient();
    client.pending.set(TAB, { tabId: TAB, selection: 'neap tide', preset: null, createdAt: 0 });
    const { store } = await ready(client);
    store.clearSelection();
    expect(store.pendingSelection.value).toBeNull();
    void store.send('Plain question');
    expect(client.run.request?.selection).toBeNull();
  });
});

describe('tabs', () => {
  test('following the active tab, a switch loads that tab’s conversation', async () => {
    const client = createFakeChatClient();
    client.activeTab = TAB;
    client.views.set(TAB, viewOf(TIDES, earlier()));
    const volcanoes = conversationOf('c7', [question('Is it active?'), answer('No.')], VOLCANOES);
    client.views.set(OTHER_TAB, viewOf(VOLCANOES, volcanoes));
    const { store } = await ready(client, null);
    expect(store.following.value).toBe(true);
    expect(store.tabId.value).toBe(TAB);

    client.activate(OTHER_TAB);
    await settle();
    expect(store.tabId.value).toBe(OTHER_TAB);
    expect(store.page.value).toEqual(VOLCANOES);
    expect(transcript(store)).toEqual(['user: Is it active?', 'assistant: No.']);
  });

  test('an answer being written goes on while the panel looks at another tab, and shows again on return', async () => {
    const client = createFakeChatClient();
    client.activeTab = TAB;
    client.views.set(OTHER_TAB, viewOf(VOLCANOES));
    const { store } = await ready(client, null);
    const done = store.send('Why?');
    client.run.emit(
      { type: 'conversation', conversation: conversationOf('c8', [question('Why?')]) },
      { type: 'token', text: 'Because' },
    );

    client.activate(OTHER_TAB);
    await settle();
    expect(client.run.stopped).toBe(false);
    expect(store.busy.value).toBe(false);
    expect(store.answer.value).toBe('');
    expect(view(store)).toEqual({ state: 'idle', status: 'Ready' });
    expect(store.messages.value).toEqual([]);
    client.run.emit({ type: 'token', text: ' the moon' });

    // The worker says an answer is being written there: the one the panel follows.
    client.views.set(TAB, { ...viewOf(TIDES, conversationOf('c8', [question('Why?')])), answering: true });
    client.activate(TAB);
    await settle();
    expect(client.runs).toHaveLength(1);
    expect(client.run.stopped).toBe(false);
    expect(store.busy.value).toBe(true);
    expect(store.answer.value).toBe('Because the moon');

    client.activate(OTHER_TAB);
    await settle();
    client.run.finish(conversationOf('c8', [question('Why?'), answer('Because the moon.')]));
    await done;
    expect(store.messages.value).toEqual([]);
  });

  test('asking on another tab stops the answer still written for the first', async () => {
    const client = createFakeChatClient();
    client.activeTab = TAB;
    client.views.set(OTHER_TAB, viewOf(VOLCANOES));
    const { store } = await ready(client, null);
    void store.send('Why?');
    const first = client.run;
    client.activate(OTHER_TAB);
    await settle();
    void store.send('Is it active?');
    expect(first.stopped).toBe(true);
    expect(client.run.request).toMatchObject({ tabId: OTHER_TAB, question: 'Is it active?' });
    expect(store.busy.value).toBe(true);
  });

  test('a panel opened for one tab ignores the active tab', async () => {
    const { client, store } = await ready();
    client.views.set(OTHER_TAB, viewOf(VOLCANOES));
    client.activate(OTHER_TAB);
    await settle();
    expect(store.tabId.value).toBe(TAB);
    expect(store.following.value).toBe(false);
  });

  test('a new address loads that page’s conversation; a new title only renames', async () => {
    const { client, store } = await ready();
    client.updateTab(TAB, { title: 'Tides, explained' });
    expect(store.page.value).toEqual({ url: TIDES.url, title: 'Tides, explained' });

    const volcanoes = conversationOf('c7', [question('Is it active?')], VOLCANOES);
    client.views.set(TAB, viewOf(VOLCANOES, volcanoes));
    client.updateTab(TAB, { url: VOLCANOES.url });
    await settle();
    expect(store.page.value).toEqual(VOLCANOES);
    expect(store.conversation.value?.id).toBe('c7');

    client.updateTab(OTHER_TAB, { url: TIDES.url });
    await settle();
    expect(store.page.value).toEqual(VOLCANOES);
  });

  test('without any tab the chat says so and cannot send', async () => {
    const client = createFakeChatClient();
    const store = createChatStore(client);
    await store.init(null);
    expect(store.tabId.value).toBeNull();
    expect(store.canSend.value).toBe(false);
  });

  test('dispose stops listening to the browser', async () => {
    const client = createFakeChatClient();
    client.activeTab = TAB;
    const { store } = await ready(client, null);
    store.dispose();
    client.views.set(OTHER_TAB, viewOf(VOLCANOES));
    client.activate(OTHER_TAB);
    await settle();
    expect(store.tabId.value).toBe(TAB);
  });
});

describe('new chat', () => {
  test('the next question starts a new conversation', async () => {
    const client = createFakeChatClient();
    client.views.set(TAB, viewOf(TIDES, earlier()));
    const { store } = await ready(client);
    store.newChat();
    expect(store.conversation.value).toBeNull();
    expect(store.messages.value).toEqual([]);
    void store.send('Fresh question');
    expect(client.run.request?.conversationId).toBeNull();
  });

  test('stops an answer in progress first', async () => {
    const { client, store } = await ready();
    void store.send('Why?');
    store.newChat();
    expect(client.run.stopped).toBe(true);
    expect(store.busy.value).toBe(false);
    expect(store.messages.value).toEqual([]);
  });
});

describe('history', () => {
  const seed = (client: FakeChatClient) => {
    client.saved.set('c1', earlier());
    client.saved.set('c7', conversationOf('c7', [question('Is it active?'), answer('No.')], VOLCANOES));
  };

  test('lists saved chats and opens one', async () => {
    const client = createFakeChatClient();
    seed(client);
    client.views.set(TAB, viewOf(TIDES));
    const { store } = await ready(client);
    await store.openHistory();
    expect(store.screen.value).toBe('history');
    expect(store.history.value?.map((item) => [item.title, item.preview])).toEqual([
      ['How tides work', 'What causes tides?'],
      ['Volcanoes', 'Is it active?'],
    ]);

    await store.openConversation('c1');
    expect(store.screen.value).toBe('chat');
    expect(transcript(store)).toEqual(['user: What causes tides?', 'assistant: The **moon**.']);
    expect(store.otherPage.value).toBe(false);
    void store.send('More?');
    expect(client.run.request?.conversationId).toBe('c1');
  });

  test('a chat about another page is shown but not continued here', async () => {
    const client = createFakeChatClient();
    seed(client);
    const { store } = await ready(client);
    await store.openHistory();
    await store.openConversation('c7');
    expect(store.otherPage.value).toBe(true);
    expect(store.canSend.value).toBe(false);

    store.newChat();
    expect(store.otherPage.value).toBe(false);
    expect(store.canSend.value).toBe(true);
  });

  test('deletes one chat, and the chat on screen with it', async () => {
    const client = createFakeChatClient();
    seed(client);
    client.views.set(TAB, viewOf(TIDES, earlier()));
    const { store } = await ready(client);
    await store.openHistory();
    await store.deleteConversation('c1');
    expect(store.history.value?.map((item) => item.id)).toEqual(['c7']);
    expect(client.saved.has('c1')).toBe(false);
    expect(store.conversation.value).toBeNull();
  });

  test('clears them all', async () => {
    const client = createFakeChatClient();
    seed(client);
    client.views.set(TAB, viewOf(TIDES, earlier()));
    const { store } = await ready(client);
    await store.openHistory();
    await store.clearHistory();
    expect(store.history.value).toEqual([]);
    expect(client.saved.size).toBe(0);
    expect(store.messages.value).toEqual([]);
  });

  test('a chat deleted meanwhile is dropped from the list with a message', async () => {
    const client = createFakeChatClient();
    seed(client);
    const { store } = await ready(client);
    await store.openHistory();
    client.saved.delete('c7');
    await store.openConversation('c7');
    expect(store.screen.value).toBe('history');
    expect(store.historyError.value).toBe('That chat no longer exists.');
    expect(store.history.value?.map((item) => item.id)).toEqual(['c1']);
  });

  test('a list the worker can’t give says why', async () => {
    const client = createFakeChatClient();
    client.listChats = () => Promise.reject(new Error('Could not establish connection'));
    const { store } = await ready(client);
    await store.openHistory();
    expect(store.historyError.value).toContain('Reload the page');
    expect(store.historyLoading.value).toBe(false);
  });
});

describe('sources and copy', () => {
  test('a source is shown on the page; one no longer there says so', async () => {
    const { client, store } = await ready();
    await expect(store.showSource(passage(2, 'The moon pulls.'))).resolves.toBe(true);
    expect(client.shownSources).toEqual([{ tabId: TAB, text: 'The moon pulls.' }]);
    expect(store.notice.value).toBeNull();

    client.sourceOnPage = false;
    await expect(store.showSource(passage(2, 'Gone.'))).resolves.toBe(false);
    expect(store.notice.value).toBe('That passage is no longer on the page.');
  });

  test('the highlight goes when the next question is sent or a new chat starts, and only once it was shown', async () => {
    const { client, store } = await ready();
    client.sourceOnPage = false;
    await store.showSource(passage(2, 'Gone.'));
    store.newChat();
    expect(client.hiddenSources).toEqual([]);

    client.sourceOnPage = true;
    await store.showSource(passage(2, 'The moon pulls.'));
    void store.send('And the sun?');
    expect(client.hiddenSources).toEqual([TAB]);
    store.newChat();
    expect(client.hiddenSources).toEqual([TAB]);
    await store.showSource(passage(2, 'The moon pulls.'));
    store.newChat();
    expect(client.hiddenSources).toEqual([TAB, TAB]);
  });
});

describe('an answer that outlives the panel', () => {
  test('a reloaded panel attaches to the answer being written and shows it whole at the end', async () => {
    const client = createFakeChatClient();
    const saved = conversationOf('c1', [question('Why two tides?'), answer('The moon', [], 'interrupted')]);
    client.views.set(TAB, { ...viewOf(TIDES, saved), answering: true });
    const { store } = await ready(client);
    await settle();
    expect(client.run).toMatchObject({ request: null, attachedTo: TAB });
    client.run.emit(
      { type: 'conversation', conversation: conversationOf('c1', [question('Why two tides?')]) },
      { type: 'stage', stage: 'generating' },
      { type: 'token', text: 'The moon and' },
    );
    expect(store.busy.value).toBe(true);
    expect(transcript(store)).toEqual(['user: Why two tides?']);
    expect(store.answer.value).toBe('The moon and');
    client.run.emit({ type: 'token', text: ' the sun.' });
    client.run.finish(conversationOf('c1', [question('Why two tides?'), answer('The moon and the sun.')]));
    await settle();
    expect(transcript(store)).toEqual(['user: Why two tides?', 'assistant: The moon and the sun.']);
    expect(view(store)).toEqual({ state: 'done', status: 'Done' });
    // Re-attaching costs no extra round trip: the tab's view once, then the stream says the rest.
    expect(client.requests).toEqual(['getChat']);
  });

  test('a reloaded panel that stops the answer it attached to shows what the worker saved', async () => {
    const client = createFakeChatClient();
    const saved = conversationOf('c1', [question('Why two tides?'), answer('The mo', [], 'interrupted')]);
    client.views.set(TAB, { ...viewOf(TIDES, saved), answering: true });
    const { store } = await ready(client);
    await settle();
    client.run.emit(
      { type: 'conversation', conversation: conversationOf('c1', [question('Why two tides?')]) },
      { type: 'token', text: 'The moon' },
    );
    store.stop();
    client.run.emit({
      type: 'finalConversation',
      conversation: conversationOf('c1', [question('Why two tides?'), answer('The moon a', [], 'stopped')]),
    });
    await settle();
    expect(transcript(store)).toEqual(['user: Why two tides?', 'assistant: The moon a (stopped)']);
    expect(client.requests).toEqual(['getChat']);
  });

  test('an answer that ended just before the panel attached comes whole with the attach, unasked', async () => {
    const client = createFakeChatClient();
    const saved = conversationOf('c1', [question('Why?'), answer('Becau', [], 'interrupted')]);
    client.views.set(TAB, { ...viewOf(TIDES, saved), answering: true });
    const { store } = await ready(client);
    await settle();
    // The worker answers a late attach with the job's end.
    client.run.finish(conversationOf('c1', [question('Why?'), answer('Because of the moon.')]));
    await settle();
    expect(transcript(store)).toEqual(['user: Why?', 'assistant: Because of the moon.']);
    expect(client.requests).toEqual(['getChat']);
  });

  test('with nothing left to attach to (the worker restarted), the saved conversation stays as it was', async () => {
    const client = createFakeChatClient();
    const saved = conversationOf('c1', [question('Why?'), answer('Becau', [], 'interrupted')]);
    client.views.set(TAB, { ...viewOf(TIDES, saved), answering: true });
    const { store } = await ready(client);
    await settle();
    client.run.finish(null);
    await settle();
    expect(transcript(store)).toEqual(['user: Why?', 'assistant: Becau (interrupted)']);
    expect(store.busy.value).toBe(false);
    expect(client.requests).toEqual(['getChat']);
  });
});
