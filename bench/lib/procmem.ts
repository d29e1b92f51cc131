// Memory of a process tree (Linux /proc only): the `wrangler dev` node process and the workerd
// processes it starts. Per process: VmRSS (resident now) and VmHWM (peak resident since the peak
// was last reset). Writing "5" to /proc/<pid>/clear_refs resets VmHWM to the current RSS, so
// "reset, run one request, read VmHWM" gives that process's peak during the request. A sampler
// also reads VmRSS every few milliseconds, as a cross-check (and as the only figure where the
// reset is not allowed).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

export interface ProcessMemory {
  pid: number;
  name: string;
  /** First 120 characters of the command line. */
  command: string;
  rssKiB: number;
  hwmKiB: number;
}

function readStat(pid: number): { ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(rest[1]) };
  } catch {
    return null;
  }
}

/** The process and all its descendants, by parent pid. */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = readStat(pid);
    if (!stat) continue;
    const list = children.get(stat.ppid);
    if (list) list.push(pid);
    else children.set(stat.ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

export function readMemory(pid: number): ProcessMemory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    let command = '';
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .replaceAll('\0', ' ')
        .trim()
        .slice(0, 120);
    } catch {
      // gone
    }
    return {
      pid,
      name: /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '?',
      command,
      rssKiB: field('VmRSS'),
      hwmKiB: field('VmHWM'),
    };
  } catch {
    return null;
  }
}

/** Resets VmHWM to the current RSS; false if the kernel did not allow it. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface TreeMemoryDuringRequest {
  /** Per process: RSS before, VmHWM after (peak since the reset), highest sampled RSS. */
  processes: {
    pid: number;
    name: string;
    command: string;
    rssBeforeKiB: number;
    peakKiB: number;
    sampledMaxKiB: number;
  }[];
  /** Sum over the tree of each process's peak (an upper bound of the simultaneous peak). */
  totalPeakKiB: number;
  /** Highest sum of RSS over the tree in any one sample (simultaneous, but sampled). */
  totalSampledMaxKiB: number;
  totalRssBeforeKiB: number;
  peakReset: boolean;
  samples: number;
}

/**
 * Runs `work` while watching the memory of `pids`: resets their peaks first, samples RSS every
 * `intervalMs` meanwhile, and reads the peaks after.
 */
export async function watchMemory<T>(
  pids: readonly number[],
  work: () => Promise<T>,
  intervalMs = 10,
): Promise<{ result: T; memory: TreeMemoryDuringRequest }> {
  const before = new Map<number, ProcessMemory>();
  for (const pid of pids) {
    const memory = readMemory(pid);
    if (memory) before.set(pid, memory);
  }
  let peakReset = before.size > 0;
  for (const pid of before.keys()) peakReset = resetPeak(pid) && peakReset;
  const sampledMax = new Map<number, number>();
  let totalSampledMax = 0;
  let samples = 0;
  const sample = () => {
    let total = 0;
    for (const pid of before.keys()) {
      const memory = readMemory(pid);
      if (!memory) continue;
      total += memory.rssKiB;
      sampledMax.set(pid, Math.max(sampledMax.get(pid) ?? 0, memory.rssKiB));
    }
    totalSampledMax = Math.max(totalSampledMax, total);
    samples += 1;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  let result: T;
  try {
    result = await work();
  } finally {
    clearInterval(timer);
  }
  sample();
  const processes = [...before.values()].map((start) => {
    const after = readMemory(start.pid);
    return {
      pid: start.pid,
      name: start.name,
      command: start.command,
      rssBeforeKiB: start.rssKiB,
      peakKiB: peakReset ? (after?.hwmKiB ?? 0) : (sampledMax.get(start.pid) ?? 0),
      sampledMaxKiB: sampledMax.get(start.pid) ?? 0,
    };
  });
  return {
    result,
    memory: {
      processes,
      totalPeakKiB: processes.reduce((sum, p) => sum + p.peakKiB, 0),
      totalSampledMaxKiB: totalSampledMax,
      totalRssBeforeKiB: processes.reduce((sum, p) => sum + p.rssBeforeKiB, 0),
      peakReset,
      samples,
    },
  };
}
