/** `vite build --mode test-build` packages the test model and makes it the default (see vite.config.ts). */
export const TEST_BUILD_MODE = 'test-build';

/** `npm run bench` builds `--mode bench-build`: the default model's shape, random weights, packaged. */
export const BENCH_BUILD_MODE = 'bench-build';

/**
 * `npm run bench` also builds the test build's small models with its own worker (`bench-small-build`), for
 * its WebGPU run (`webgpuVsWasm`): the test build itself carries no bench code.
 */
export const BENCH_SMALL_BUILD_MODE = 'bench-small-build';

/** Whether a build packages the small generated test models as its defaults. */
export function packagesTestModels(buildMode: string): boolean {
  return buildMode === TEST_BUILD_MODE || buildMode === BENCH_SMALL_BUILD_MODE;
}

/** Whether a build is the bench's: its worker is `bench/extension/worker.ts`, with the bench's hooks. */
export function isBenchBuild(buildMode: string): boolean {
  return buildMode === BENCH_BUILD_MODE || buildMode === BENCH_SMALL_BUILD_MODE;
}
