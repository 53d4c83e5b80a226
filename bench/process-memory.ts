import { readdirSync, readFileSync } from 'node:fs';

/** One process as /proc shows it. */
export interface ProcessFacts {
  pid: number;
  ppid: number;
  /** Resident set size (`VmRSS`) in kB; 0 for a process that has none (a zombie). */
  rssKB: number;
  /** The command line, arguments joined by spaces. */
  cmdline: string;
}

/** The parent pid from the text of `/proc/<pid>/stat` (the name in parentheses may hold spaces). */
export function parentPid(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** `VmRSS` in kB from the text of `/proc/<pid>/status`; 0 when absent. */
export function residentKB(status: string): number {
  return Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0);
}

/**
 * The processes descended from `rootPid`, read from `/proc`: only parents are read for the others, since
 * the machine runs many. Processes that end while being read are skipped.
 */
export function readProcessTree(rootPid: number, proc = '/proc'): ProcessFacts[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync(proc)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = parentPid(readFileSync(`${proc}/${name}/stat`, 'utf8'));
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // Gone between the listing and the read.
    }
  }
  const tree: ProcessFacts[] = [];
  const queue = (children.get(rootPid) ?? []).map((pid) => ({ pid, ppid: rootPid }));
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { pid, ppid } = next;
    queue.push(...(children.get(pid) ?? []).map((child) => ({ pid: child, ppid: pid })));
    try {
      tree.push({
        pid,
        ppid,
        rssKB: residentKB(readFileSync(`${proc}/${pid}/status`, 'utf8')),
        cmdline: readFileSync(`${proc}/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim(),
      });
    } catch {
      // Gone meanwhile.
    }
  }
  return tree;
}

/** The browser's processes and, among them, the extension's, with their RSS added up. */
export interface BrowserMemory {
  /** Every process of the browser: its main process and all its children (GPU, network, renderers). */
  browserKB: number;
  /** The renderers Chromium starts with `--extension-process`: the service worker and extension pages. */
  extensionKB: number;
  extensionPids: number[];
  /** The renderers of web pages (`--type=renderer` without `--extension-process`). */
  pageKB: number;
}

/**
 * One Chromium's share of a process tree: the processes that run with `profileDir`, which Chromium passes
 * to every process it starts, so another browser (or a build tool) the bench started is never counted.
 */
export function browserMemory(tree: readonly ProcessFacts[], profileDir: string): BrowserMemory {
  const has = (facts: ProcessFacts, flag: string) => facts.cmdline.split(' ').includes(flag);
  const browser = tree.filter((facts) => has(facts, `--user-data-dir=${profileDir}`));
  const extension = browser.filter((facts) => has(facts, '--extension-process'));
  const pages = browser.filter(
    (facts) => has(facts, '--type=renderer') && !has(facts, '--extension-process'),
  );
  const sum = (list: ProcessFacts[]) => list.reduce((total, facts) => total + facts.rssKB, 0);
  return {
    browserKB: sum(browser),
    extensionKB: sum(extension),
    extensionPids: extension.map((facts) => facts.pid),
    pageKB: sum(pages),
  };
}

/** A browser's memory now, in MB (10^6 bytes): the extension's processes and the web pages' renderers. */
export function memoryNow(profileDir: string): { extensionMB: number; pageMB: number } {
  const now = browserMemory(readProcessTree(process.pid), profileDir);
  return {
    extensionMB: Math.round(now.extensionKB * 1.024) / 1000,
    pageMB: Math.round(now.pageKB * 1.024) / 1000,
  };
}

/** The highest totals seen, in MB (10^6 bytes), as the bench reports them. */
export interface MemoryPeaks {
  extensionMB: number;
  browserMB: number;
  /** The most extension processes seen at once: 0 means the extension was never told apart. */
  extensionProcesses: number;
  samples: number;
}

/**
 * Samples a browser's memory every `intervalMs` until stopped; the peaks are the highest totals at one
 * moment (RSS counts shared pages in each process, so the browser's total overstates what it holds).
 */
export function sampleBrowserMemory(profileDir: string, intervalMs = 500) {
  let extensionKB = 0;
  let browserKB = 0;
  let extensionProcesses = 0;
  let samples = 0;
  const sample = () => {
    const now = browserMemory(readProcessTree(process.pid), profileDir);
    extensionKB = Math.max(extensionKB, now.extensionKB);
    extensionProcesses = Math.max(extensionProcesses, now.extensionPids.length);
    browserKB = Math.max(browserKB, now.browserKB);
    samples++;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  const toMB = (kB: number) => Math.round(kB * 1.024) / 1000;
  return {
    /** The peaks so far. */
    peaks(): MemoryPeaks {
      return {
        extensionMB: Math.round(toMB(extensionKB)),
        browserMB: Math.round(toMB(browserKB)),
        extensionProcesses,
        samples,
      };
    },
    /** Takes a last sample, stops, and returns the peaks. */
    stop(): MemoryPeaks {
      clearInterval(timer);
      sample();
      return this.peaks();
    },
  };
}

/** The RSS of each of one Chromium's extension processes now, in kB, by pid. */
export function extensionProcessesNow(profileDir: string, proc = '/proc'): Map<number, number> {
  const tree = readProcessTree(process.pid, proc);
  const { extensionPids } = browserMemory(tree, profileDir);
  return new Map(
    tree.filter((facts) => extensionPids.includes(facts.pid)).map((facts) => [facts.pid, facts.rssKB]),
  );
}

/** What the processes that were not there before use, each sample summed: the highest and the last, in kB. */
export function newProcessesMemory(
  before: ReadonlySet<number>,
  samples: readonly ReadonlyMap<number, number>[],
): { processes: number; peakKB: number; lastKB: number } {
  const pids = new Set<number>();
  const totals = samples.map((sample) => {
    let total = 0;
    for (const [pid, kB] of sample) {
      if (before.has(pid)) continue;
      pids.add(pid);
      total += kB;
    }
    return total;
  });
  return { processes: pids.size, peakKB: Math.max(0, ...totals), lastKB: totals.at(-1) ?? 0 };
}

/**
 * Samples the extension processes that appear after it starts (the offscreen host: a cross-origin isolated
 * document gets a process of its own) until stopped.
 */
export function sampleNewExtensionProcesses(profileDir: string, intervalMs = 250) {
  const before = new Set(extensionProcessesNow(profileDir).keys());
  const samples: Map<number, number>[] = [];
  const sample = () => samples.push(extensionProcessesNow(profileDir));
  const timer = setInterval(sample, intervalMs);
  const toMB = (kB: number) => Math.round(kB * 1.024) / 1000;
  return {
    /** Takes a last sample (the steady figure), stops, and returns the new processes' peak and last, in MB. */
    stop(): { processes: number; peakMB: number; steadyMB: number } {
      clearInterval(timer);
      sample();
      const { processes, peakKB, lastKB } = newProcessesMemory(before, samples);
      return { processes, peakMB: Math.round(toMB(peakKB)), steadyMB: Math.round(toMB(lastKB)) };
    },
  };
}
