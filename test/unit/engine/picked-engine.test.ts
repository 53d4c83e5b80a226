import { expect, test, vi } from 'vitest';
import { createPickedEngine } from '../../../src/engine/picked-engine';
import { type ModelSpec, TEST_TINY_LLAMA } from '../../../src/engine/registry';
import type { Backend, Session } from '../../../src/engine/types';

const other: ModelSpec = { ...TEST_TINY_LLAMA, id: 'imported-other', name: 'Other' };
const signal = () => new AbortController().signal;

function backend() {
  const disposed: string[] = [];
  const fake: Backend = {
    id: 'transformers-node',
    availability: vi.fn(async () => 'available' as const),
    load: vi.fn(
      async (model: ModelSpec) =>
        ({
          model,
          dispose: async () => void disposed.push(model.id),
        }) as unknown as Session,
    ),
  };
  return { fake, disposed };
}

test('a new pick takes effect at the next request, after the old model’s requests finish, in order', async () => {
  const { fake, disposed } = backend();
  let picked = TEST_TINY_LLAMA;
  const engine = createPickedEngine(fake, TEST_TINY_LLAMA, async () => picked);
  const order: string[] = [];
  let release: () => void = () => {};
  const first = engine.run(
    (session) =>
      new Promise<void>((resolve) => {
        order.push(`start ${session.model.id}`);
        release = () => {
          order.push(`end ${session.model.id}`);
          resolve();
        };
      }),
    { signal: signal() },
  );
  await vi.waitFor(() => expect(order).toEqual([`start ${TEST_TINY_LLAMA.id}`]));
  picked = other;
  expect(await engine.status()).toMatchObject({ modelName: 'Other' });
  const second = engine.run(async (session) => void order.push(`start ${session.model.id}`), {
    signal: signal(),
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(disposed).toEqual([]);
  release();
  await Promise.all([first, second]);
  expect(order).toEqual([`start ${TEST_TINY_LLAMA.id}`, `end ${TEST_TINY_LLAMA.id}`, 'start imported-other']);
  expect(disposed).toEqual([TEST_TINY_LLAMA.id]);
  expect(engine.model).toBe(other);
});

test('a pick that cannot be read keeps the current model', async () => {
  const { fake } = backend();
  const engine = createPickedEngine(fake, TEST_TINY_LLAMA, async () => {
    throw new Error('storage gone');
  });
  await expect(engine.run(async (session) => session.model.id, { signal: signal() })).resolves.toBe(
    TEST_TINY_LLAMA.id,
  );
});
