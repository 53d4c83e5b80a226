import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { SummaryStore } from './summary-store';

/** Hands the page's summary store down to its components (preact-devtools' store-by-context pattern). */
export const SummaryStoreContext = createContext<SummaryStore | null>(null);

/** The summary store of the nearest provider; a missing provider is a programming error. */
export function useSummaryStore(): SummaryStore {
  const store = useContext(SummaryStoreContext);
  if (!store) throw new Error('useSummaryStore needs a SummaryStoreContext.Provider above it.');
  return store;
}
