import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { postmasterOf } from './proc.ts';

export interface Child {
  name: string;
  pid: number;
  url: string;
  /** log lines at level warn or above (pino JSON on stdout), kept for the report */
  warnings: string[];
  /** what it printed on stdout until it was ready (the stack lists its replicas there) */
  startupLines: string[];
  /** The last 64 kB of what it printed, stdout and stderr. */
  output(): string;
  /** When it exits, however it exits. */
  exited: Promise<{ code: number | null; signal: string | null }>;
  stop(): Promise<{ code: number | null; signal: string | null }>;
}

const OUTPUT_KEPT = 64_000;

/**
 * Starts a Node.js program as a child process and waits for it to print its URL. Its embedded
 * PostgreSQL is a child of it (in its own process group), found once so that it can be stopped
 * even if its parent cannot stop it itself.
 */
export async function startChild(options: {
  name: string;
  args: string[];
  env: Record<string, string>;
  urlPattern: RegExp;
  timeoutMs?: number;
}): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, options.args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const warnings: string[] = [];
  const startupLines: string[] = [];
  let tail = '';
  const exited = new Promise<{ code: number | null; signal: string | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );

  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.name} did not start in time:\n${tail.slice(-4000)}`)), options.timeoutMs ?? 120_000);
    let buffer = '';
    const onLine = (line: string) => {
      tail = (tail + line + '\n').slice(-OUTPUT_KEPT);
      if (startupLines.length < 200) startupLines.push(line);
      const match = options.urlPattern.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
      if (line.startsWith('{') && /"level":(40|50|60)/.test(line) && warnings.length < 50) warnings.push(line.slice(0, 500));
    };
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_KEPT);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with code ${code} before it was ready:\n${tail.slice(-4000)}`));
    });
  });

  const url = await ready.catch(async (error: unknown) => {
    // Not ready in time or crashed: leave nothing behind (its PostgreSQL runs in its own process group).
    const postmaster = postmasterOf(child.pid as number);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    if (postmaster !== undefined && alive(postmaster)) process.kill(postmaster, 'SIGINT');
    throw error;
  });

  const pid = child.pid as number;
  let postmaster: number | undefined;
  for (let i = 0; i < 20 && postmaster === undefined; i++) {
    postmaster = postmasterOf(pid);
    if (postmaster === undefined) await sleep(50);
  }

  let stopping: Promise<{ code: number | null; signal: string | null }> | undefined;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const patience = new AbortController();
    const timeout = sleep(30_000, 'timeout' as const, { signal: patience.signal }).catch(() => 'aborted' as const);
    let result = await Promise.race([exited, timeout]);
    patience.abort();
    if (typeof result === 'string') {
      child.kill('SIGKILL');
      result = await exited;
    }
    // If the parent could not stop its PostgreSQL, we do: it runs in its own process group.
    if (postmaster !== undefined && alive(postmaster)) {
      process.kill(postmaster, 'SIGINT');
      for (let i = 0; i < 100 && alive(postmaster); i++) await sleep(100);
    }
    return result;
  };
  return {
    name: options.name,
    pid,
    url,
    warnings,
    startupLines,
    output: () => tail,
    exited,
    /** SIGTERM (a graceful stop), SIGKILL after 30 s; called twice, it waits for the first stop. */
    stop() {
      stopping ??= stop();
      return stopping;
    },
  };
}

/** Still running and still a PostgreSQL (not a recycled pid). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
  } catch {
    return false;
  }
}
