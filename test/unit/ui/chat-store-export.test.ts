// @vitest-environment jsdom
import { describe, expect, test } from 'vitest';
import { createChatStore } from '../../../src/ui/chat-store';
import {
  answer,
  conversationOf,
  createFakeChatClient,
  passage,
  question,
  TIDES,
  VOLCANOES,
  viewOf,
} from './fake-chat-client';

const TAB = 7;

const earlier = () =>
  conversationOf('c1', [
    question('What causes tides?'),
    answer('The **moon**.', [passage(0, 'The moon pulls.')]),
  ]);

describe('copy and export of a chat', () => {
  test('Copy puts an answer on the clipboard as shown, with its sources; nothing or a refusal says false', async () => {
    const client = createFakeChatClient();
    client.views.set(TAB, viewOf(TIDES, earlier()));
    const copied: string[] = [];
    const store = createChatStore(client, {
      clipboard: { writeText: async (text) => void copied.push(text) },
    });
    await store.init(TAB);
    const id = store.messages.value[1]?.id ?? '';
    await expect(store.copy(id)).resolves.toBe(true);
    expect(copied).toEqual(['The **moon**.\n\n**Sources**\n\n> **Passage 1**\n> The moon pulls.']);
    await expect(store.copy('nope')).resolves.toBe(false);

    const refusing = createChatStore(client, {
      clipboard: { writeText: () => Promise.reject(new Error('Document is not focused.')) },
    });
    await refusing.init(TAB);
    await expect(refusing.copy(id)).resolves.toBe(false);
  });

  test('the chat on screen exports with its page, model and engine; an empty one does not', async () => {
    const client = createFakeChatClient();
    client.views.set(TAB, viewOf(TIDES));
    const store = createChatStore(client);
    await store.init(TAB);
    expect(store.exportChat()).toBeNull();

    client.views.set(TAB, viewOf(TIDES, earlier()));
    const again = createChatStore(client);
    await again.init(TAB);
    const file = again.exportChat();
    expect(file?.name).toMatch(/\.md$/);
    expect(file?.text).toContain(`# ${TIDES.title}`);
    expect(file?.text).toContain(`- Page: <${TIDES.url}>`);
    expect(file?.text).toMatch(/- Model: .+\n- Engine: .+/);
    expect(file?.text).toContain('## Question\n\nWhat causes tides?\n\n## Answer\n\nThe **moon**.');
  });

  test('history exports every saved chat as one file', async () => {
    const client = createFakeChatClient();
    client.saved.set('c1', { ...earlier(), ...TIDES });
    client.saved.set('c2', {
      ...conversationOf('c2', [question('Why do they erupt?'), answer('Pressure.')]),
      ...VOLCANOES,
    });
    client.views.set(TAB, viewOf(TIDES));
    const store = createChatStore(client);
    await store.init(TAB);
    const file = await store.exportAll();
    expect(file?.text.startsWith('# Pagewise chats\n')).toBe(true);
    expect(file?.text).toContain(`## ${TIDES.title}`);
    expect(file?.text).toContain(`## ${VOLCANOES.title}`);
    expect(file?.text).toContain('Pressure.');
    client.saved.clear();
    await expect(store.exportAll()).resolves.toBeNull();
  });
});
