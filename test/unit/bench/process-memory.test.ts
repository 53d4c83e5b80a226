import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import {
  browserMemory,
  newProcessesMemory,
  type ProcessFacts,
  parentPid,
  readProcessTree,
  residentKB,
} from '../../../bench/process-memory';

const PROFILE = '/tmp/pagewise-profile-abc';

/** A fake /proc: pid -> [parent, VmRSS kB, argv]. */
function fakeProc(processes: Record<number, [number, number, string[]]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'fake-proc-'));
  for (const [pid, [ppid, rss, argv]] of Object.entries(processes)) {
    mkdirSync(join(dir, pid));
    // A name with a space and a parenthesis, as Chromium's threads have: the parent is after the last ')'.
    writeFileSync(join(dir, pid, 'stat'), `${pid} (chrome (x) y) S ${ppid} ${pid} 0 0`);
    writeFileSync(
      join(dir, pid, 'status'),
      `Name:\tchromium\nVmPeak:\t 99 kB\nVmRSS:\t  ${rss} kB\nThreads:\t4\n`,
    );
    writeFileSync(join(dir, pid, 'cmdline'), `${argv.join('\0')}\0`);
  }
  mkdirSync(join(dir, 'self'));
  return dir;
}

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

test('parses the parent pid and VmRSS from /proc texts', () => {
  expect(parentPid('4242 (chrome (x) y) S 17 4242 0')).toBe(17);
  expect(residentKB('Name:\tx\nVmRSS:\t  123456 kB\n')).toBe(123_456);
  expect(residentKB('Name:\tzombie\n')).toBe(0);
});

test("reads only the bench's descendants, and tells the extension's renderers from the rest", () => {
  const chrome = '/usr/lib/chromium/chromium';
  const dir = fakeProc({
    10: [1, 50_000, ['node', 'bench/chromium.ts']],
    11: [10, 9_000, ['esbuild', '--service']],
    20: [10, 200_000, [chrome, `--user-data-dir=${PROFILE}`]],
    21: [20, 80_000, [chrome, '--type=gpu-process', `--user-data-dir=${PROFILE}`]],
    22: [21, 100_000, [chrome, '--type=renderer', `--user-data-dir=${PROFILE}`]],
    23: [21, 1_500_000, [chrome, '--type=renderer', `--user-data-dir=${PROFILE}`, '--extension-process']],
    30: [1, 900_000, [chrome, '--type=renderer', '--user-data-dir=/other', '--extension-process']],
  });
  dirs.push(dir);
  const tree = readProcessTree(10, dir);
  expect(tree.map((facts) => facts.pid).sort()).toEqual([11, 20, 21, 22, 23]);
  expect(browserMemory(tree, PROFILE)).toEqual({
    browserKB: 1_880_000,
    extensionKB: 1_500_000,
    extensionPids: [23],
    // The web page's renderer (22), told apart from the extension's.
    pageKB: 100_000,
  });
});

test('flags match whole: a profile whose name extends this one is another browser', () => {
  const tree: ProcessFacts[] = [
    { pid: 2, ppid: 1, rssKB: 10, cmdline: `chromium --user-data-dir=${PROFILE} --extension-process` },
    { pid: 3, ppid: 1, rssKB: 20, cmdline: `chromium --user-data-dir=${PROFILE}2 --extension-process` },
    { pid: 4, ppid: 1, rssKB: 40, cmdline: `chromium --user-data-dir=${PROFILE} --extension-processes` },
  ];
  expect(browserMemory(tree, PROFILE)).toEqual({
    browserKB: 50,
    extensionKB: 10,
    extensionPids: [2],
    pageKB: 0,
  });
});

test('the real /proc holds this process tree', () => {
  const tree = readProcessTree(process.ppid);
  const self = tree.find((facts) => facts.pid === process.pid);
  expect(self?.rssKB).toBeGreaterThan(1_000);
});

test('the processes that appeared are summed per sample, the ones there before left out', () => {
  const before = new Set([10, 11]);
  const samples = [
    new Map([
      [10, 900],
      [11, 100],
    ]),
    new Map([
      [10, 950],
      [11, 100],
      [20, 3000],
    ]),
    new Map([
      [10, 950],
      [20, 5000],
      [21, 200],
    ]),
    new Map([
      [10, 950],
      [20, 4100],
    ]),
  ];
  expect(newProcessesMemory(before, samples)).toEqual({ processes: 2, peakKB: 5200, lastKB: 4100 });
  expect(newProcessesMemory(before, samples.slice(0, 1))).toEqual({ processes: 0, peakKB: 0, lastKB: 0 });
});
