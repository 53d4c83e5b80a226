import type { ClearEpoch } from '../chat/clear-epoch';
import type { HistoryStore } from '../chat/history';
import type { Engine } from '../engine/engine';
import { conversationUrl } from '../page-url';
import type { StreamServer } from '../protocol';
import type { PageIndexStore } from '../retrieval/page-index';

export interface ChatHistoryDependencies {
  history: HistoryStore;
  /** The pages indexed to answer chats. */
  pages: Pick<PageIndexStore, 'forgetPages' | 'clear'>;
  /** Holds the model's KV caches, one per conversation. */
  engine: Pick<Engine, 'forget'>;
  streams: Pick<StreamServer, 'stopAll' | 'stopWhere'>;
  /** Shared with the stores and the chat handler. */
  clearEpoch: ClearEpoch;
}

/**
 * Serves `deleteChat` and `clearChats`. Nothing read is left behind: a deleted chat first stops its answer
 * being written, then takes the model's cache of it along, and its page's index unless another chat is about
 * that page; "Clear all" first stops the answers being written, and no write from work begun before it lands
 * after it.
 */
export function createChatHistoryHandlers({
  history,
  pages,
  engine,
  streams,
  clearEpoch,
}: ChatHistoryDependencies) {
  return {
    async deleteChat({ id }: { id: string }): Promise<undefined> {
      // Before any await: an answer being written into this chat stops before it writes again.
      streams.stopWhere(
        'chat',
        ({ data, events }) =>
          data.conversationId === id ||
          events.some((event) => event.type === 'conversation' && event.conversation.id === id),
      );
      const conversation = await history.get(id);
      engine.forget(id);
      await history.delete(id);
      if (conversation && !(await history.latestForUrl(conversation.url)))
        await pages.forgetPages((url) => conversationUrl(url) === conversation.url);
      return undefined;
    },

    async clearChats(): Promise<undefined> {
      // In this order, before any await: work that wakes up now finds itself stopped and out of date.
      clearEpoch.bump();
      streams.stopAll('chat');
      for (const { id } of await history.list()) engine.forget(id);
      await Promise.all([history.clear(), pages.clear()]);
      return undefined;
    },
  };
}
