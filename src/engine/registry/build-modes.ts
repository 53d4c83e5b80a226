/** `vite build --mode test-build` packages the test model and makes it the default (see vite.config.ts). */
export const TEST_BUILD_MODE = 'test-build';

/** `npm run bench` builds `--mode bench-build`: the default model's shape, random weights, packaged. */
export const BENCH_BUILD_MODE = 'bench-build';
