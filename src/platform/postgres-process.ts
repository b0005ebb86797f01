import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

/**
 * The processes of an embedded PostgreSQL server, by pid. The postmaster runs detached, so it leads its own
 * process group, and its backends are in that group: -pid reaches them all.
 */

/**
 * Stops a postmaster within `timeoutMs`, resolving once `exited` does. First a fast shutdown (SIGINT: clients are
 * disconnected, a checkpoint is written); past half the time an immediate one (SIGQUIT: the next start recovers
 * from the WAL, as after a crash); at the end SIGKILL to the whole group, backends included (the same recovery).
 */
export async function shutDownPostmaster(pid: number, exited: Promise<unknown>, timeoutMs: number): Promise<void> {
  const gone = exited.then(() => true);
  const within = (ms: number) => Promise.race([gone, sleep(ms, false)]);
  signal(pid, 'SIGINT');
  if (await within(timeoutMs / 2)) return;
  signal(pid, 'SIGQUIT');
  if (await within(timeoutMs / 2)) return;
  signal(-pid, 'SIGKILL');
  await gone;
}

/** Resolves once the process is gone (for a process that is not our child, whose exit we cannot await). */
export async function untilGone(pid: number): Promise<void> {
  while (isAlive(pid)) await sleep(50);
}

/**
 * Waits until no process of the group is left, SIGKILLing them past `timeoutMs`. The backends of a postmaster that
 * died notice it and leave by themselves within moments; a new postmaster would refuse to start beside them.
 */
export async function groupGone(pgid: number, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(-pgid) && Date.now() < deadline) await sleep(50);
  if (!isAlive(-pgid)) return;
  signal(-pgid, 'SIGKILL');
  // Bounded: a process that cannot be reaped (a zombie under a parent that does not wait) holds no shared memory.
  for (let i = 0; i < 20 && isAlive(-pgid); i++) await sleep(50);
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
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat !== undefined) {
    // "pid (command) state ppid ...": the command may itself hold spaces and parentheses.
    const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return command.startsWith('postgres') ? ppid : undefined;
  }
  // Without /proc (macOS): ps.
  const out = await promisify(execFile)('ps', ['-o', 'ppid=,comm=', '-p', String(pid)]).then((r) => r.stdout.trim(), () => '');
  const [ppid, command = ''] = out.split(/\s+/, 2);
  return command.endsWith('postgres') ? Number(ppid) : undefined;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
