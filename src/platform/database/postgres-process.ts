import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

/**
 * Stops a postmaster within `timeoutMs`, resolving once `exited` does. First a fast shutdown (SIGINT: clients are
 * disconnected, a checkpoint is written); past half the time an immediate one (SIGQUIT: the next start recovers
 * from the WAL, as after a crash); at the end SIGKILL to it and its children (the same recovery).
 */
export async function shutDownPostmaster(pid: number, exited: Promise<unknown>, timeoutMs: number): Promise<void> {
  const gone = exited.then(() => true);
  // Unreferenced: a postmaster that is gone in time must not leave its timer holding the process open until it fires.
  const within = (ms: number) => Promise.race([gone, sleep(ms, false, { ref: false })]);
  signal(pid, 'SIGINT');
  if (await within(timeoutMs / 2)) return;
  signal(pid, 'SIGQUIT');
  if (await within(timeoutMs / 2)) return;
  // Its backends lead process groups of their own: they are found by their parent, before it dies.
  for (const child of await childrenOf(pid)) signal(child, 'SIGKILL');
  signal(pid, 'SIGKILL');
  await gone;
}

/** Resolves once the process is gone (for a process that is not our child, whose exit we cannot await). */
export async function untilGone(pid: number): Promise<void> {
  while (isAlive(pid)) await sleep(50);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, but another user's
  }
}

/** The parent pid of a PostgreSQL process; undefined if it is not a postgres process (or cannot be read). */
export async function parentOf(pid: number): Promise<number | undefined> {
  const stat = await procStat(pid);
  if (stat) return stat.command.startsWith('postgres') ? stat.ppid : undefined;
  // Without /proc (macOS): ps.
  const out = await promisify(execFile)('ps', ['-o', 'ppid=,comm=', '-p', String(pid)]).then((r) => r.stdout.trim(), () => '');
  const [ppid, command = ''] = out.split(/\s+/, 2);
  return command.endsWith('postgres') ? Number(ppid) : undefined;
}

/** The pids of a process's children (from /proc; none where there is no /proc). */
export async function childrenOf(pid: number): Promise<number[]> {
  const names = await readdir('/proc').catch(() => [] as string[]);
  const stats = await Promise.all(names.filter((name) => /^\d+$/.test(name)).map((name) => procStat(Number(name))));
  return stats.filter((stat) => stat?.ppid === pid).map((stat) => stat?.pid as number);
}

async function procStat(pid: number): Promise<{ pid: number; ppid: number; command: string } | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // "pid (command) state ppid ...": the command may itself hold spaces and parentheses.
  const close = stat.lastIndexOf(')');
  return { pid, command: stat.slice(stat.indexOf('(') + 1, close), ppid: Number(stat.slice(close + 2).split(' ')[1]) };
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
