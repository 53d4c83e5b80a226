import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { SettingsStore } from './settings-store';

/** Hands the settings store down to the sections. */
export const SettingsStoreContext = createContext<SettingsStore | null>(null);

/** The settings store of the nearest provider; a missing provider is a programming error. */
export function useSettingsStore(): SettingsStore {
  const store = useContext(SettingsStoreContext);
  if (!store) throw new Error('useSettingsStore needs a SettingsStoreContext.Provider above it.');
  return store;
}
