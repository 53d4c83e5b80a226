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
  streams: Pick<StreamServer, 'stopAll'>;
  /** Shared with the stores and the chat handler. */
  clearEpoch: ClearEpoch;
}

/**
 * Serves `deleteChat` and `clearChats`. Nothing read is left behind: a deleted chat takes its page's index
 * and the model's cache of it along; "Clear all" first stops the answers being written, and no write from
 * work begun before it lands after it.
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
      const conversation = await history.get(id);
      engine.forget(id);
      await Promise.all([
        history.delete(id),
        conversation && pages.forgetPages((url) => conversationUrl(url) === conversation.url),
      ]);
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
