import { expect, test } from 'vitest';
import type { QueueAhead } from '../../../src/protocol';
import { waitingText } from '../../../src/ui/model-status';

test.each<[QueueAhead | null, string]>([
  [
    { kind: 'summarize', sameTab: false, part: { index: 2, count: 4 } },
    'Waiting: summarizing another tab (part 2 of 4)',
  ],
  [{ kind: 'summarize', sameTab: true, part: null }, 'Waiting: summarizing this page'],
  [{ kind: 'chat', sameTab: false, part: null }, 'Waiting: answering a question about another tab'],
  [{ kind: 'chat', sameTab: true, part: null }, 'Waiting: answering a question about this page'],
  [null, 'Waiting for the assistant…'],
])('%j reads “%s”', (ahead, text) => {
  expect(waitingText(ahead)).toBe(text);
});
