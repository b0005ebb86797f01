/** Child processes of the stack: started detached (Ctrl-C reaches only the stack), stopped in order, never left behind. */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';

export class StackError extends Error {}

/** A stop that gets no exit within this time ends with SIGKILL. */
const STOP_TIMEOUT_MS = 20_000;

export const running = (child: ChildProcess | undefined): child is ChildProcess =>
  child !== undefined && child.exitCode === null && child.signalCode === null;

/** Sends `signal` and waits for the exit; SIGKILL if it does not come in time. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (!running(child)) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill(signal);
  if (signal !== 'SIGKILL') child.kill('SIGCONT'); // a frozen (SIGSTOP) process gets the signal only once it runs
  const force = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(force);
}

export function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((ready, fail) => {
    const probe = () => {
      const socket = tcpConnect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        ready();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) fail(new StackError(`nothing listens on port ${port} after ${timeoutMs / 1000} s`));
        else setTimeout(probe, 50);
      });
    };
    probe();
  });
}

/** Synchronous last resort at process exit: the embedded PostgreSQL runs detached, found through its pid file. */
export function killPostgresOf(dataDir: string): void {
  let pidFile = '';
  try {
    pidFile = readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8');
  } catch {
    return; // not running
  }
  const pid = Number(pidFile.split('\n')[0]);
  if (pid) killQuietly(pid, 'SIGINT');
}

export function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** A service started from a test must not believe it is a test file itself. */
export function withoutTestRunner(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_TEST_CONTEXT: _, ...rest } = env;
  return rest;
}
