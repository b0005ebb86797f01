/** The service processes of the stack: started, watched, restarted and stopped, each logging to its own file. */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceName } from '../../src/platform/runtime/index.ts';
import { freePorts } from '../../src/platform/common/index.ts';
import { running, StackError, stopProcess, withoutTestRunner } from './processes.ts';

const READY_TIMEOUT_MS = 60_000;

export interface Replica {
  /** A service, or the operators' console (one process, no database). */
  service: ServiceName | 'console';
  index: number;
  port: number;
  /** The port of its internal endpoints (INTERNAL_PORT), which other services call in the http and hybrid styles. */
  internalPort: number;
  logFile: string;
  child?: ChildProcess;
  /** Set while we stop it on purpose, so its exit is not reported as a crash. */
  expectingExit: boolean;
  failedAt: number;
}

export interface ReplicaOptions {
  /** node and its flags, then the entry: what runs `<entry> <service>`. */
  command: string[];
  logsDir: string;
  counts: Partial<Record<ServiceName | 'console', number>>;
  /** The settings of one replica (DATABASE_URL, NATS_URL, ...), read at each (re)start. */
  envOf(replica: Replica): Record<string, string>;
  /** An exit nobody asked for (a crash), as "billing-1 exited with code 1". */
  onUnexpectedExit(what: string, replica: Replica): void;
}

/** Every replica of every service, on free ports; none runs until `spawn`. */
export async function planReplicas(options: ReplicaOptions) {
  const replicas: Replica[] = [];
  const counts = Object.entries(options.counts) as [ServiceName | 'console', number][];
  // Drawn together, so that no two replicas are given the same port.
  const ports = await freePorts(2 * counts.reduce((sum, [, count]) => sum + count, 0));
  for (const [service, count] of counts) {
    for (let index = 0; index < count; index++) {
      const [port, internalPort] = ports.splice(0, 2) as [number, number];
      replicas.push({ service, index, port, internalPort, logFile: join(options.logsDir, `${service}-${index + 1}.log`), expectingExit: false, failedAt: 0 });
    }
  }
  let stopping = false;

  function spawnReplica(replica: Replica): void {
    const logFd = openSync(replica.logFile, 'a');
    try {
      const [executable, ...args] = options.command as [string, ...string[]];
      replica.child = spawn(executable, [...args, replica.service], {
        env: { ...withoutTestRunner(process.env), PORT: String(replica.port), INTERNAL_PORT: String(replica.internalPort), ...options.envOf(replica) },
        detached: true, // own process group: Ctrl-C reaches the stack, which stops the services in order
        stdio: ['ignore', logFd, logFd],
      });
    } finally {
      closeSync(logFd);
    }
    replica.expectingExit = false;
    const child = replica.child;
    child.once('exit', (code, signal) => {
      if (replica.expectingExit || stopping) return;
      options.onUnexpectedExit(`${replica.service}-${replica.index + 1} exited with ${signal ?? `code ${code}`}`, replica);
    });
  }

  async function waitReady(replica: Replica): Promise<void> {
    const url = `http://127.0.0.1:${replica.port}/${replica.service}/health/ready`;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!running(replica.child)) {
        const tail = await readFile(replica.logFile, 'utf8').then((text) => text.split('\n').slice(-15).join('\n'), () => '');
        throw new StackError(`${replica.service}-${replica.index + 1} exited while starting; ${replica.logFile} ends with:\n${tail}`);
      }
      const ready = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then((r) => r.status === 200, () => false);
      if (ready) return;
      await sleep(100);
    }
    throw new StackError(`${replica.service}-${replica.index + 1} was not ready within ${READY_TIMEOUT_MS / 1000} s; see ${replica.logFile}`);
  }

  async function stopReplica(replica: Replica, signal: NodeJS.Signals): Promise<void> {
    if (!running(replica.child)) return;
    replica.expectingExit = true;
    await stopProcess(replica.child, signal);
  }

  function of(service: ServiceName | 'console', index: number): Replica {
    const replica = replicas.find((r) => r.service === service && r.index === index);
    if (!replica) throw new StackError(`no replica ${service}[${index}] (there are ${options.counts[service]})`);
    return replica;
  }

  return {
    all: replicas,
    of,
    spawn: spawnReplica,
    waitReady,
    stop: stopReplica,
    /** Stops every replica (SIGTERM, in parallel); exits from now on are expected. */
    async stopAll(): Promise<void> {
      stopping = true;
      await Promise.all(replicas.map((replica) => stopReplica(replica, 'SIGTERM')));
    },
    /** Last resort at process exit: nothing may outlive the stack. */
    killAll(): void {
      for (const replica of replicas) if (running(replica.child)) replica.child.kill('SIGKILL');
    },
  };
}

export type Replicas = Awaited<ReturnType<typeof planReplicas>>;
