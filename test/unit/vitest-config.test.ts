import { expect, test } from 'vitest';
import config from '../../vitest.config';

type Project = { test?: { name?: string; expect?: { poll?: { timeout?: number } } } };

test("browser tests' expect.poll waits long enough for a loaded 2-core machine, not vitest's 1 s", () => {
  const projects = (config.test?.projects ?? []) as Project[];
  const e2e = projects.find((project) => project.test?.name === 'e2e');
  expect(e2e?.test?.expect?.poll?.timeout).toBeGreaterThanOrEqual(10_000);
});
