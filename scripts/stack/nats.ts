/** The stack's broker: one nats-server with JetStream, or three as a JetStream cluster (routes on loopback). */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { assertPortFree, freePorts } from '../../src/platform/common/index.ts';
import { running, StackError, stopProcess, waitForPort } from './processes.ts';

const READY_TIMEOUT_MS = 60_000;

/** The nats-server executable on PATH, or a StackError that says how to get one. */
export function findNatsServer(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'nats-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  throw new StackError(
    'nats-server is not on PATH. Install it with `sudo apt-get install nats-server` (Debian/Ubuntu), ' +
      '`brew install nats-server` (macOS), or download it from https://nats.io/download/ — ' +
      'or set NATS_URL to a running NATS server with JetStream (nats-server -js).',
  );
}

/** One node: its name, client URL, and process control (restarts keep its ports and its store). */
export interface NatsNode {
  name: string;
  url: string;
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  pid(): number | undefined;
}

export interface NatsCluster {
  /** Every node's client URL, comma-separated, as NATS_URL takes them. */
  url: string;
  nodes: NatsNode[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Go threads running nats-server's code at once, per node. The stack shares the machine's cores with the services
 * and PostgreSQL: with one, the server's goroutines hand messages to each other on one thread instead of waking
 * another (measured on 2 cores at c=32: a fifth less NATS CPU and a third fewer of its context switches per order).
 */
const NATS_GO_THREADS = '1';

/**
 * `size` nodes of nats-server -js on 127.0.0.1, stores under <dataDir>/nats/<node>. With 3, they form one JetStream
 * cluster (streams declared with 3 replicas survive the loss of a node); with 1, a plain server on `port`.
 */
export async function startNats(options: { dataDir: string; size: 1 | 3; port: number; logsDir: string }): Promise<NatsCluster> {
  const executable = findNatsServer();
  await assertPortFree({ setting: 'NATS_PORT', port: options.port, host: '127.0.0.1' });
  // Drawn together, so that no two listeners are given the same port.
  const drawn = await freePorts(2 * options.size);
  const ports = Array.from({ length: options.size }, (_, i) => ({
    client: i === 0 && options.port ? options.port : (drawn[2 * i] as number),
    route: drawn[2 * i + 1] as number,
  }));
  const routes = ports.map((p) => `nats://127.0.0.1:${p.route}`).join(',');
  const nodes = await Promise.all(
    ports.map(async (port, i) => {
      const name = options.size === 1 ? 'nats' : `nats-${i + 1}`;
      const storeDir = resolve(options.dataDir, 'nats', options.size === 1 ? '' : name);
      await mkdir(storeDir, { recursive: true });
      const cluster = options.size === 1 ? [] : ['--server_name', name, '--cluster_name', 'streamshop', '--cluster', `nats://127.0.0.1:${port.route}`, '--routes', routes];
      const args = ['-js', '-a', '127.0.0.1', '-p', String(port.client), '-sd', storeDir, ...cluster];
      return natsNode({ executable, name, args, port: port.client, logFile: join(options.logsDir, `${name}.log`) });
    }),
  );
  const all = {
    url: nodes.map((node) => node.url).join(','),
    nodes,
    start: async () => void (await Promise.all(nodes.map((node) => node.start()))),
    stop: async () => void (await Promise.all(nodes.map((node) => node.stop()))),
  };
  // A node that fails to start must not leave the others running: nobody would stop them.
  await all.start().catch(async (error) => {
    await all.stop();
    throw error;
  });
  return all;
}

function natsNode({ executable, name, args, port, logFile }: { executable: string; name: string; args: string[]; port: number; logFile: string }): NatsNode {
  let server: ChildProcess | undefined;
  return {
    name,
    url: `nats://127.0.0.1:${port}`,
    async start() {
      if (running(server)) return;
      const log = openSync(logFile, 'a');
      try {
        // Detached: Ctrl-C reaches only the stack, which stops the broker after the services.
        server = spawn(executable, args, { detached: true, stdio: ['ignore', log, log], env: { ...process.env, GOMAXPROCS: NATS_GO_THREADS } });
      } finally {
        closeSync(log);
      }
      const started = server;
      const exited = new Promise<never>((_, fail) =>
        started.once('exit', (code) => fail(new StackError(`${name} (nats-server) exited with code ${code}; see ${logFile}`))),
      );
      exited.catch(() => {});
      await Promise.race([waitForPort(port, READY_TIMEOUT_MS), exited]);
    },
    async stop(signal = 'SIGTERM') {
      if (running(server)) await stopProcess(server, signal);
    },
    pid: () => (running(server) ? server.pid : undefined),
  };
}
