import { ensureTestModels } from '../../scripts/test-models';

/** Writes the generated test models once per run (a fast stamp check when they are up to date). */
export default async function setup(): Promise<void> {
  await ensureTestModels();
}
