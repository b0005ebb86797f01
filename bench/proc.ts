/**
 * What a process tree costs, read from /proc (Linux): CPU seconds of a process and of its
 * descendants (the embedded PostgreSQL and its backends), their context switches and system calls, its resident
 * memory, and the machine's own busy time, so a noisy neighbour can be told apart from the system under test.
 * bench/usage-sampler.ts reads them while a phase runs.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** user + system seconds of the process itself */
  cpu: number;
  /** user + system seconds of its children that it has reaped (a postmaster's finished backends) */
  reapedCpu: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm is in parentheses and may contain spaces: split after the last ')'.
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17, ppid field 4.
    const at = (field: number) => Number(fields[field - 3]);
    return {
      pid,
      ppid: at(4),
      comm,
      cpu: (at(14) + at(15)) / CLOCK_TICKS,
      reapedCpu: (at(16) + at(17)) / CLOCK_TICKS,
    };
  } catch {
    return undefined; // gone between the listing and the read
  }
}

function allStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    const stat = readStat(Number(name));
    if (stat) stats.push(stat);
  }
  return stats;
}

export function descendants(root: number, stats: ProcStat[] = allStats()): ProcStat[] {
  const byParent = new Map<number, ProcStat[]>();
  for (const s of stats) byParent.set(s.ppid, [...(byParent.get(s.ppid) ?? []), s]);
  const out: ProcStat[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of byParent.get(queue.shift() as number) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/** kB of one status field (VmRSS, VmHWM), or 0 when the process is gone. */
export function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Proportional set size in kB: shared memory (PostgreSQL's shared buffers) is split among the processes that map it. */
export function pssKb(pid: number): number {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) : statusKb(pid, 'VmRSS');
  } catch {
    return 0;
  }
}

/** Seconds the machine's CPUs were busy (all cores together), from /proc/stat. */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [, ...values] = line.trim().split(/\s+/);
  const n = values.map(Number);
  const idle = (n[3] ?? 0) + (n[4] ?? 0);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - idle) / CLOCK_TICKS;
}

/** Resident memory of each Node.js process below the root (the services of the stack), labelled by what it runs. */
export function nodeProcessesRssKb(tree: ProcStat[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of tree) {
    const args = nodeArgs(s.pid);
    if (args) out.set(`${args.at(-1) ?? 'node'} (pid ${s.pid})`, statusKb(s.pid, 'VmRSS'));
  }
  return out;
}

/** A figure by kind of process. */
export interface ByKind {
  /** the root process (our Node.js server) and, in the stack, the service processes below it */
  node: number;
  /** the PostgreSQL postmaster and its backends (for CPU, including reaped ones) */
  postgres: number;
  /** anything else below the root: the NATS server of the stack */
  broker: number;
}

/** The command line of a Node.js process, or undefined for any other (or one that is gone). */
function nodeArgs(pid: number): string[] | undefined {
  try {
    // Node 24 names its main thread "MainThread", so a Node.js process is told by its command line, not its comm.
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return /(^|\/)node$/.test(args[0] ?? '') ? args : undefined;
  } catch {
    return undefined;
  }
}

/** A ByKind whose every figure is `figure(kind)`. */
export function byKind(figure: (kind: keyof ByKind) => number): ByKind {
  return { node: figure('node'), postgres: figure('postgres'), broker: figure('broker') };
}

/** Context switches (voluntary and not) of a process so far, all its threads together; 0 when it is gone. */
function contextSwitches(pid: number): number {
  let total = 0;
  try {
    for (const thread of readdirSync(`/proc/${pid}/task`)) {
      const status = readFileSync(`/proc/${pid}/task/${thread}/status`, 'utf8');
      total += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      total += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    }
  } catch {
    // gone, or a thread ended between the listing and the read: what was read so far
  }
  return total;
}

/**
 * Read and write calls of a process so far, from /proc/<pid>/io: the calls Node.js and NATS do their socket I/O with.
 * PostgreSQL answers its clients with send/recv, which this does not count: its figure is its file I/O.
 */
function systemCalls(pid: number): number {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    return Number(/^syscr:\s+(\d+)/m.exec(io)?.[1] ?? 0) + Number(/^syscw:\s+(\d+)/m.exec(io)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * The tree's CPU seconds, context switches and read/write calls, by kind of process. The two counts depend far less
 * than CPU seconds on how fast the machine happens to be (they still move with batch sizes, which follow the pace):
 * they tell whether a change did less work. A process that ended before the reading takes its counts with it (its
 * CPU stays, reaped by its parent).
 */
export function treeUsage(root: number): { cpu: ByKind; contextSwitches: ByKind; systemCalls: ByKind } {
  const stats = allStats();
  const cpu: ByKind = { node: stats.find((s) => s.pid === root)?.cpu ?? 0, postgres: 0, broker: 0 };
  const switches: ByKind = { node: contextSwitches(root), postgres: 0, broker: 0 };
  const calls: ByKind = { node: systemCalls(root), postgres: 0, broker: 0 };
  for (const s of descendants(root, stats)) {
    const kind: keyof ByKind = s.comm === 'postgres' ? 'postgres' : nodeArgs(s.pid) ? 'node' : 'broker';
    cpu[kind] += s.cpu + s.reapedCpu;
    switches[kind] += contextSwitches(s.pid);
    calls[kind] += systemCalls(s.pid);
  }
  return { cpu, contextSwitches: switches, systemCalls: calls };
}

/** The PostgreSQL postmaster started by a process (its child named postgres), to stop it if its parent could not. */
export function postmasterOf(root: number): number | undefined {
  return allStats().find((s) => s.ppid === root && s.comm === 'postgres')?.pid;
}
