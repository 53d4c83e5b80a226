/**
 * The ways this extension can run a model, best first: the automatic choice takes the first one available
 * on this machine (see `chooseTier` in `engine/tiers.ts`). A local server comes first: it is there only
 * when the user connected one, and runs a model many times the size of the browser's.
 */
export const TIER_IDS = ['local-server', 'webgpu', 'chrome-builtin', 'wasm-threads', 'wasm'] as const;

export type TierId = (typeof TIER_IDS)[number];

export function isTierId(value: unknown): value is TierId {
  return (TIER_IDS as readonly unknown[]).includes(value);
}

/**
 * `available`: runs now; `downloadable`: runs once something is downloaded (Chrome's own model, offered to
 * the user, never started silently); `unavailable`: this machine cannot run it, or it would not help.
 */
export type TierState = 'available' | 'downloadable' | 'unavailable';

/** What one tier can do on this machine, and why, in words a person understands. */
export interface TierReport {
  tier: TierId;
  state: TierState;
  reason: string;
  /**
   * Whether the user may still pick it by hand: a tier skipped because it would not be faster (threads on
   * two cores) still runs; one that lacks its hardware does not.
   */
  forcible: boolean;
}

/** The user's choice in Settings: automatic, or one tier by hand. */
export type EnginePreference = 'auto' | TierId;

/** Whether a model can run now, after a download, or not at all (Chrome's built-in AI uses the same words). */
export type Availability = 'unavailable' | 'downloadable' | 'downloading' | 'available';
