import type { FileExpectation } from './model-file-store';

/** The part of `chrome.storage.session` the record needs (injectable for tests). */
export interface SessionArea {
  get(keys: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
}

/**
 * Which stored files had their hash checked in this browser session (issue 19): a file is hashed when it is
 * downloaded or imported, then once per browser session, and again when a load of it fails. Hashing a
 * 1 GB model on every worker start cost seconds on each first click after a pause.
 */
export interface CheckedFiles {
  /** Whether the file was checked, against these same expectations, since the browser started. */
  has(url: string, expected: FileExpectation): Promise<boolean>;
  add(url: string, expected: FileExpectation): Promise<void>;
  /** Makes the next load hash these files again (a load that failed). */
  forget(urls: readonly string[]): Promise<void>;
}

const key = (url: string) => `checkedFile:${url}`;
const signature = (expected: FileExpectation) =>
  `${expected.size}:${expected.sha256 ?? ''}:${expected.gitSha1 ?? ''}`;

/**
 * `chrome.storage.session` where the context has it (the worker, extension pages); it is emptied when the
 * browser closes, which is the point. Where it is missing (the offscreen document sees only
 * `chrome.runtime`, and Node) the record lives as long as the context does.
 */
function defaultArea(): SessionArea | undefined {
  const chromeApi = (globalThis as { chrome?: { storage?: { session?: SessionArea } } }).chrome;
  return chromeApi?.storage?.session;
}

/** Creates the record, in `area` (the browser's session storage unless given). */
export function createCheckedFiles(area: SessionArea | undefined = defaultArea()): CheckedFiles {
  const memory = new Map<string, string>();
  return {
    async has(url, expected) {
      const wanted = signature(expected);
      if (memory.get(url) === wanted) return true;
      if (!area) return false;
      try {
        return (await area.get(key(url)))[key(url)] === wanted;
      } catch {
        return false;
      }
    },
    async add(url, expected) {
      memory.set(url, signature(expected));
      // Losing the record only costs one more hash: a full session storage must not fail a download.
      await area?.set({ [key(url)]: signature(expected) }).catch(() => {});
    },
    async forget(urls) {
      for (const url of urls) memory.delete(url);
      if (urls.length > 0) await area?.remove(urls.map(key)).catch(() => {});
    },
  };
}
