/** The engine-queue context of a request that runs alone: nothing is ahead of it to describe. */
export const ALONE = { owner: 'test', onWaiting: () => {} };
