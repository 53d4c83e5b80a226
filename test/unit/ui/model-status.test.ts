import { expect, test } from 'vitest';
import type { DownloadProgress, QueueAhead } from '../../../src/protocol';
import { loadingText, waitingText } from '../../../src/ui/model-status';

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

const progress = (extra: Partial<DownloadProgress>): DownloadProgress => ({
  files: [],
  loaded: 120_000_000,
  total: 512_000_000,
  ...extra,
});

test.each<[Partial<DownloadProgress>, string]>([
  [{}, 'Downloading the model… 120 / 512 MB'],
  [{ bytesPerSecond: 0, secondsLeft: null }, 'Downloading the model… 120 / 512 MB'],
  [{ bytesPerSecond: 4_200_000, secondsLeft: null }, 'Downloading the model… 120 / 512 MB · 4.2 MB/s'],
  [
    { bytesPerSecond: 4_200_000, secondsLeft: 93 },
    'Downloading the model… 120 / 512 MB · 4.2 MB/s · 2 min left',
  ],
  [
    { bytesPerSecond: 25_000_000, secondsLeft: 16 },
    'Downloading the model… 120 / 512 MB · 25 MB/s · 16 sec left',
  ],
  [
    { bytesPerSecond: 50_000, secondsLeft: 7_900 },
    'Downloading the model… 120 / 512 MB · 0.1 MB/s · 2 hr 12 min left',
  ],
])('download progress %j reads “%s”', (extra, text) => {
  expect(loadingText(progress(extra), 'downloadable')).toBe(text);
});

test.each<[Partial<DownloadProgress>, string]>([
  [
    { loaded: 0, total: 0, reloadAfterIdleMinutes: 5 },
    'Loading the model again (it was unloaded after 5 idle minutes to free memory)…',
  ],
  [
    { reloadAfterIdleMinutes: 5 },
    'Loading the model again (it was unloaded after 5 idle minutes to free memory)… 120 / 512 MB',
  ],
  [{}, 'Loading the model… 120 / 512 MB'],
])('loading from the store %j reads “%s”', (extra, text) => {
  expect(loadingText(progress(extra), 'available')).toBe(text);
});
