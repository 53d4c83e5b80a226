/**
 * Counts "Clear all"s. Work captures `current` when it starts and passes it to every write; a store skips a
 * write whose work began before the latest clear, so an answer in flight cannot write a page's passages or
 * its chat back after the user cleared them (issue 13).
 */
export interface ClearEpoch {
  /** How many clears so far. */
  readonly current: number;
  /** Marks a clear: from now on, writes from work begun before it are skipped. */
  bump(): void;
  /** Whether work begun at `since` may still write; `undefined` (a caller that does not track) may. */
  allows(since: number | undefined): boolean;
}

/** A clear epoch shared by the stores that "Clear all" empties (in memory: in-flight work dies with the worker). */
export function createClearEpoch(): ClearEpoch {
  let current = 0;
  return {
    get current() {
      return current;
    },
    bump() {
      current++;
    },
    allows: (since) => since === undefined || since === current,
  };
}
