/**
 * CPU and memory of processes, read from /proc (Linux only): CPU is the change of utime + stime
 * over a window, peak memory is VmHWM, reset before each window through /proc/<pid>/clear_refs
 * (writing "5" resets the peak RSS; root or the process's owner may do it).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

let clockTicks: number | undefined;

/** Clock ticks per second, the unit of utime and stime (100 on nearly every Linux). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

interface StatLine {
  pid: number;
  ppid: number;
  comm: string;
  ticks: number;
}

function readStat(pid: number): StatLine | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself hold spaces or parentheses: cut at the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  // After the name: state(3) ppid(4) … utime(14) stime(15), so index 0 is field 3.
  const ppid = Number(fields[1]);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return { pid, ppid, comm: text.slice(open + 1, close), ticks: utime + stime };
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** A process and all its descendants (a cluster primary's workers, a script's server). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const stat = readStat(pid);
    if (stat === undefined) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(pid);
    children.set(stat.ppid, list);
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (tree.includes(pid)) continue;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree.filter((pid) => readStat(pid) !== undefined);
}

/** Every process with this command name, ours or not (PostgreSQL's backends). */
export function processesNamed(comm: string): number[] {
  return allPids().filter((pid) => readStat(pid)?.comm === comm);
}

/**
 * Which processes make up a role: processes we started with their descendants (`roots`), exactly
 * these processes (`only`: the harness, whose descendants are the servers it measures), or every
 * process of a name (`comm`: PostgreSQL's, which are not ours).
 */
export type ProcessSelector = { roots: readonly number[] } | { only: readonly number[] } | { comm: string };

function resolve(selector: ProcessSelector): number[] {
  if ('comm' in selector) return processesNamed(selector.comm);
  if ('only' in selector) return selector.only.filter((pid) => readStat(pid) !== undefined);
  return [...new Set(selector.roots.flatMap((root) => processTree(root)))];
}

function vmHwmKiB(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** Starts a new peak-memory window; false when the kernel refused (peaks then cover the process's life). */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface Usage {
  /** Percent of one core over the window (200 % = both cores of a 2-core machine, fully). */
  cpuPercent: number;
  /** Sum of the processes' peak resident memory in the window (an upper bound for a group). */
  peakRssMiB: number | undefined;
  /** false: some process refused the reset, so its peak is over its whole life. */
  peakIsWindowed: boolean;
  processes: number;
}

export interface UsageWindow {
  /** Closes the window. */
  end(): Usage;
}

/**
 * Opens a measuring window over the selected processes. Peaks are reset only for processes we
 * started (`roots`); for others (PostgreSQL's) only CPU is reported.
 */
export function startUsageWindow(selector: ProcessSelector, { resetPeaks = true }: { resetPeaks?: boolean } = {}): UsageWindow {
  const pids = resolve(selector);
  const ours = !('comm' in selector);
  const windowed = ours && resetPeaks && pids.map(resetPeak).every(Boolean);
  const before = new Map(pids.map((pid) => [pid, readStat(pid)?.ticks ?? 0]));
  const started = performance.now();
  return {
    end() {
      const seconds = (performance.now() - started) / 1000;
      // Processes that appeared during the window (a new PostgreSQL backend) count from zero.
      const now = [...new Set([...pids, ...resolve(selector)])];
      let ticks = 0;
      let peak = 0;
      let peakKnown = false;
      for (const pid of now) {
        const stat = readStat(pid);
        if (stat === undefined) continue;
        ticks += stat.ticks - (before.get(pid) ?? 0);
        const hwm = ours ? vmHwmKiB(pid) : undefined;
        if (hwm !== undefined) {
          peak += hwm;
          peakKnown = true;
        }
      }
      return {
        cpuPercent: seconds > 0 ? Math.round((ticks / ticksPerSecond() / seconds) * 1000) / 10 : 0,
        peakRssMiB: peakKnown ? Math.round((peak / 1024) * 10) / 10 : undefined,
        peakIsWindowed: windowed,
        processes: now.length,
      };
    },
  };
}

interface CpuTimes {
  busy: number;
  total: number;
}

function machineTimes(): CpuTimes {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest is already in user)
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** The whole machine's CPU busy share over a window, in percent of all cores. */
export function startMachineWindow(): { end(): number } {
  const before = machineTimes();
  return {
    end() {
      const after = machineTimes();
      const total = after.total - before.total;
      return total > 0 ? Math.round(((after.busy - before.busy) / total) * 1000) / 10 : 0;
    },
  };
}

/** CPU of the selected processes over `ms`, in percent of one core. */
export async function cpuOver(selector: ProcessSelector, ms: number): Promise<number> {
  const window = startUsageWindow(selector, { resetPeaks: false });
  await new Promise((resolveWait) => setTimeout(resolveWait, ms));
  return window.end().cpuPercent;
}
