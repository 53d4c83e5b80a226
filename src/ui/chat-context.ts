import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ChatStore } from './chat-store';

/** Hands the side panel's chat store down to its components (preact-devtools' store-by-context pattern). */
export const ChatStoreContext = createContext<ChatStore | null>(null);

/** The chat store of the nearest provider; a missing provider is a programming error. */
export function useChatStore(): ChatStore {
  const store = useContext(ChatStoreContext);
  if (!store) throw new Error('useChatStore needs a ChatStoreContext.Provider above it.');
  return store;
}
