// @vitest-environment jsdom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, test } from 'vitest';
import { App } from '../../../sidepanel/app';
import type { StreamEvent } from '../../../src/protocol';
import { ChatStoreContext } from '../../../src/ui/chat-context';
import { createChatStore } from '../../../src/ui/chat-store';
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
import { useMountPoint } from './mount';

const TAB = 3;
const XSS = '<img src=x onerror=alert(1)>';

const mount = useMountPoint();

const byTestId = (id: string) => mount.root.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const allByTestId = (id: string) => [...mount.root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];
const input = () => byTestId('chat-input') as HTMLTextAreaElement;
const status = () => {
  const element = byTestId('status');
  return { state: element?.dataset.state, text: element?.textContent };
};
/** Each message as "role: text", as the user reads it. */
const transcript = () =>
  allByTestId('chat-message').map(
    (m) => `${m.dataset.role}: ${m.querySelector('.message__text, .message__answer')?.textContent?.trim()}`,
  );
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/**
 * Lets promise continuations, renders and their effects land (Preact runs effects up to 35 ms late where
 * there is no animation frame, as in jsdom), then the Markdown's frame.
 */
const flush = async () => {
  await act(() => sleep(40));
  await act(() => sleep(20));
};

async function open(client: FakeChatClient = createFakeChatClient()) {
  if (!client.views.has(TAB)) client.views.set(TAB, viewOf(TIDES));
  const store = createChatStore(client);
  await act(() =>
    render(
      <ChatStoreContext.Provider value={store}>
        <App />
      </ChatStoreContext.Provider>,
      mount.root,
    ),
  );
  await act(() => store.init(TAB));
  await flush();
  return { client, store };
}

async function emit(client: FakeChatClient, ...events: StreamEvent[]) {
  await act(() => client.run.emit(...events));
  await flush();
}

async function click(id: string) {
  await act(() => byTestId(id)?.click());
  await flush();
}

async function type(text: string) {
  await act(() => {
    input().value = text;
    input().dispatchEvent(new Event('input', { bubbles: true }));
  });
}

/** Presses a key in the question box; returns whether the browser's default action was allowed. */
async function press(key: string, options: KeyboardEventInit = {}) {
  let allowed = true;
  await act(() => {
    allowed = input().dispatchEvent(
      new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...options }),
    );
  });
  return allowed;
}

describe('the side panel', () => {
  test('opens on an empty chat that says what to do', async () => {
    await open(createFakeChatClient(qwen('downloadable')));
    expect(byTestId('empty-chat')?.textContent).toContain('Ask anything about this page');
    expect(byTestId('empty-chat')?.textContent).toContain('right-click');
    expect(byTestId('first-use')?.textContent).toContain('512 MB');
    expect(byTestId('page-title')?.textContent).toBe('How tides work');
    expect(status()).toEqual({ state: 'idle', text: 'Ready' });
    expect(byTestId('status')?.getAttribute('aria-live')).toBe('polite');
    expect(mount.root.querySelector('label[for="chat-input"]')).not.toBeNull();
    expect(byTestId('chat-send')?.hasAttribute('disabled')).toBe(true);
    expect(byTestId('stop')).toBeNull();
    expect(document.activeElement).toBe(input());
  });

  test('Enter sends; Shift+Enter leaves the newline to the text box', async () => {
    const { client } = await open();
    await type('First line');
    expect(await press('Enter', { shiftKey: true })).toBe(true);
    expect(client.runs).toHaveLength(0);

    expect(await press('Enter')).toBe(false);
    expect(client.runs).toHaveLength(1);
    expect(client.run.request?.question).toBe('First line');
    expect(input().value).toBe('');
  });

  test('Enter confirming an input method’s word does not send', async () => {
    const { client } = await open();
    await type('東京');
    expect(await press('Enter', { isComposing: true })).toBe(true);
    expect(client.runs).toHaveLength(0);
  });

  test('a whole answer: question, streamed Markdown with sources, Stop while writing, then Copy', async () => {
    const { client } = await open();
    await type('Why two tides?');
    await click('chat-send');
    expect(transcript()).toEqual(['user: Why two tides?']);
    expect(status().state).toBe('reading');
    expect(byTestId('stop')).not.toBeNull();
    expect(byTestId('chat-send')?.hasAttribute('disabled')).toBe(true);

    await emit(
      client,
      { type: 'conversation', conversation: conversationOf('c1', [question('Why two tides?')]) },
      {
        type: 'sources',
        sources: [
          passage(0, 'The moon pulls the near side.', 'Causes'),
          // A passage that starts at its section's heading: the heading is shown once, not twice.
          passage(1, 'Tides\n\nThe sun pulls too.', 'Tides'),
        ],
      },
      { type: 'stage', stage: 'generating' },
      { type: 'token', text: 'Two **bulges**' },
    );
    const messages = allByTestId('chat-message');
    expect(messages.map((m) => m.dataset.role)).toEqual(['user', 'assistant']);
    expect(messages[1]?.querySelector('strong')?.textContent).toBe('bulges');
    expect(messages[1]?.getAttribute('aria-busy')).toBe('true');
    expect(allByTestId('source').map((s) => s.textContent)).toEqual([
      'CausesThe moon pulls the near side.',
      'TidesThe sun pulls too.',
    ]);
    expect(status()).toEqual({ state: 'generating', text: 'Writing the answer…' });
    expect(byTestId('copy')).toBeNull();
    const streamed = messages[1];

    await act(() =>
      client.run.finish(
        conversationOf('c1', [
          question('Why two tides?'),
          answer('Two **bulges**.', [passage(0, 'The moon.')]),
        ]),
      ),
    );
    await flush();
    expect(status()).toEqual({ state: 'done', text: 'Done' });
    expect(transcript()).toEqual(['user: Why two tides?', 'assistant: Two bulges.']);
    // The saved answer takes the streamed one's place without being drawn again from nothing.
    expect(allByTestId('chat-message')[1]).toBe(streamed);
    expect(byTestId('stop')).toBeNull();
    expect(byTestId('copy')).not.toBeNull();
    expect(byTestId('regenerate')).not.toBeNull();
  });

  test('Stop keeps the partial answer with a note', async () => {
    const { client } = await open();
    await type('Why?');
    await click('chat-send');
    await emit(client, { type: 'token', text: 'Because of' });
    await click('stop');
    expect(client.run.stopped).toBe(true);
    expect(transcript()).toEqual(['user: Why?', 'assistant: Because of']);
    expect(byTestId('message-note')?.textContent).toBe('Stopped. This answer is unfinished.');
    expect(status().state).toBe('idle');
  });

  test('an error offers Retry, which asks again', async () => {
    const { client } = await open();
    await type('Why?');
    await click('chat-send');
    await act(() => client.run.fail(new Error('Could not establish connection')));
    await flush();
    expect(status().state).toBe('error');
    expect(byTestId('error')?.dataset.code).toBe('page-unreachable');
    await click('retry');
    expect(client.runs).toHaveLength(2);
    expect(transcript()).toEqual(['user: Why?']);
  });

  test('Regenerate sits under the last answer only, and answers again', async () => {
    const client = createFakeChatClient();
    client.views.set(
      TAB,
      viewOf(TIDES, conversationOf('c1', [question('A?'), answer('One.'), question('B?'), answer('Two.')])),
    );
    await open(client);
    const regenerate = allByTestId('regenerate');
    expect(regenerate).toHaveLength(1);
    expect(allByTestId('chat-message')[3]?.parentElement?.contains(regenerate[0] ?? null)).toBe(true);
    // The buttons are not part of the answer's text.
    expect(allByTestId('chat-message')[3]?.textContent).toBe('Two.');
    await click('regenerate');
    expect(client.run.request).toMatchObject({ conversationId: 'c1', regenerate: true });
    expect(transcript()).toEqual(['user: A?', 'assistant: One.', 'user: B?']);
  });

  test('page text stays text: sources, the quoted selection and the page title', async () => {
    const client = createFakeChatClient();
    client.views.set(
      TAB,
      viewOf(
        { url: TIDES.url, title: XSS },
        conversationOf('c1', [question('What is this?', XSS), answer('Markup.', [passage(4, XSS, XSS)])]),
      ),
    );
    const { store } = await open(client);
    expect(mount.root.querySelector('img[src="x"]')).toBeNull();
    expect(byTestId('page-title')?.textContent).toBe(XSS);
    expect(mount.root.querySelector('.message__quote')?.textContent).toBe(XSS);
    const source = byTestId('source');
    expect(source?.querySelector('.source__heading')?.textContent).toBe(XSS);
    expect(source?.querySelector('.source__excerpt')?.textContent).toBe(XSS);
    expect(source?.querySelector('img')).toBeNull();

    await act(() => source?.click());
    await flush();
    expect(client.shownSources).toEqual([{ tabId: TAB, text: XSS }]);
    expect(store.notice.value).toBeNull();
  });

  test('a source no longer on the page says so', async () => {
    const client = createFakeChatClient();
    client.views.set(
      TAB,
      viewOf(TIDES, conversationOf('c1', [question('Q?'), answer('A.', [passage(0, 'Gone.')])])),
    );
    client.sourceOnPage = false;
    await open(client);
    await click('source');
    expect(byTestId('notice')?.textContent).toBe('That passage is no longer on the page.');
  });

  test('a right-click without a preset quotes the selection and focuses the box', async () => {
    const { client } = await open();
    input().blur();
    await act(() =>
      client.leavePendingAsk({ tabId: TAB, selection: 'spring tide', preset: null, createdAt: 0 }),
    );
    await flush();
    expect(byTestId('selection')?.textContent).toContain('spring tide');
    expect(document.activeElement).toBe(input());

    await type('When?');
    await press('Enter');
    expect(client.run.request).toMatchObject({ question: 'When?', selection: 'spring tide' });
    expect(mount.root.querySelector('.message__quote')?.textContent).toBe('spring tide');
    expect(byTestId('selection')).toBeNull();
  });

  test('a right-click preset starts answering when the panel opens', async () => {
    const client = createFakeChatClient();
    client.pending.set(TAB, { tabId: TAB, selection: 'spring tide', preset: 'explain', createdAt: 0 });
    await open(client);
    expect(client.run.request).toMatchObject({ preset: 'explain', selection: 'spring tide' });
    expect(transcript()).toEqual(['user: Explain this']);
    expect(byTestId('stop')).not.toBeNull();
  });

  test('New chat empties the conversation; the next question starts a new one', async () => {
    const client = createFakeChatClient();
    client.views.set(TAB, viewOf(TIDES, conversationOf('c1', [question('A?'), answer('One.')])));
    await open(client);
    expect(allByTestId('chat-message')).toHaveLength(2);
    await click('new-chat');
    expect(allByTestId('chat-message')).toHaveLength(0);
    expect(byTestId('empty-chat')).not.toBeNull();
    await type('Fresh?');
    await click('chat-send');
    expect(client.run.request?.conversationId).toBeNull();
  });

  test('History: open a chat, delete one, clear all after confirming', async () => {
    const client = createFakeChatClient();
    client.saved.set('c1', conversationOf('c1', [question('What causes tides?'), answer('The moon.')]));
    client.saved.set('c7', conversationOf('c7', [question('Is it active?'), answer('No.')], VOLCANOES));
    client.saved.set('c8', conversationOf('c8', [question('How hot?'), answer('Very.')], VOLCANOES));
    await open(client);

    await click('history');
    expect(byTestId('history')?.getAttribute('aria-pressed')).toBe('true');
    expect(document.activeElement?.id).toBe('history-heading');
    const items = allByTestId('history-item');
    expect(items.map((item) => item.querySelector('.history__title')?.textContent)).toEqual([
      'How tides work',
      'Volcanoes',
      'Volcanoes',
    ]);
    expect(items[0]?.textContent).toContain('What causes tides?');
    expect(items[0]?.textContent).toContain('Messages: 2');

    await act(() => items[0]?.querySelector<HTMLButtonElement>('.history__open')?.click());
    await flush();
    expect(byTestId('history-view')).toBeNull();
    expect(transcript()).toEqual(['user: What causes tides?', 'assistant: The moon.']);

    await click('history');
    await act(() => allByTestId('delete-chat')[1]?.click());
    await flush();
    expect(allByTestId('history-item')).toHaveLength(2);
    expect(client.saved.has('c7')).toBe(false);

    await click('clear-history');
    expect(client.saved.size).toBe(2);
    expect(document.activeElement).toBe(byTestId('clear-history-confirm'));
    await click('clear-history-cancel');
    expect(client.saved.size).toBe(2);

    await click('clear-history');
    await click('clear-history-confirm');
    expect(client.saved.size).toBe(0);
    expect(byTestId('history-empty')).not.toBeNull();
    expect(byTestId('clear-history')?.hasAttribute('disabled')).toBe(true);

    await click('history-back');
    expect(allByTestId('chat-message')).toHaveLength(0);
    expect(document.activeElement).toBe(input());
  });

  test('a chat from history about another page can be read, not continued', async () => {
    const client = createFakeChatClient();
    client.saved.set('c7', conversationOf('c7', [question('Is it active?'), answer('No.')], VOLCANOES));
    await open(client);
    await click('history');
    await act(() => mount.root.querySelector<HTMLButtonElement>('.history__open')?.click());
    await flush();
    expect(byTestId('other-page')?.textContent).toContain('Volcanoes');
    expect(input().disabled).toBe(true);
  });

  test('scrolled up while an answer streams, it stays put and offers a jump to the latest', async () => {
    const client = createFakeChatClient();
    client.views.set(TAB, viewOf(TIDES, conversationOf('c1', [question('A?'), answer('One.')])));
    await open(client);
    await type('B?');
    await click('chat-send');
    await emit(client, { type: 'token', text: 'Streaming' });

    const log = mount.root.querySelector<HTMLElement>('.chat-log');
    if (!log) throw new Error('no log');
    Object.defineProperty(log, 'scrollHeight', { configurable: true, value: 1000 });
    Object.defineProperty(log, 'clientHeight', { configurable: true, value: 200 });
    const scrollTo = (top: number) =>
      act(() => {
        log.scrollTop = top;
        log.dispatchEvent(new Event('scroll'));
      });
    await scrollTo(800);
    // Text growing under a view at the bottom is not the user scrolling away.
    Object.defineProperty(log, 'scrollHeight', { configurable: true, value: 1200 });
    await scrollTo(800);
    expect(byTestId('jump-to-latest')).toBeNull();

    await scrollTo(100);
    expect(byTestId('jump-to-latest')).not.toBeNull();

    await emit(client, { type: 'token', text: ' more' });
    expect(log.scrollTop).toBe(100);

    await click('jump-to-latest');
    expect(log.scrollTop).toBe(1200);
    expect(byTestId('jump-to-latest')).toBeNull();
  });

  test('an unreadable page explains why and disables the box', async () => {
    const client = createFakeChatClient();
    client.views.set(TAB, {
      page: null,
      unreadable: 'Pagewise can’t read browser pages.',
      conversation: null,
      answering: false,
    });
    await open(client);
    expect(byTestId('unreadable')?.textContent).toBe('Pagewise can’t read browser pages.');
    expect(input().disabled).toBe(true);
  });
});
