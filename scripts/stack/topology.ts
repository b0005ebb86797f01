/**
 * The production topology on one machine: NATS (one server or a three-node JetStream cluster), PostgreSQL with one
 * database per service, each service as its own process (two replicas of billing and orders by default), and a
 * gateway on one port that forwards each prefix to its replicas, as the Kubernetes ingress does.
 */
import { accessSync, constants } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { Agent } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ServiceName, serviceNames } from '../../src/platform/runtime/index.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/platform/database/index.ts';
import { startGateway, type Upstream } from '../../src/platform/http/index.ts';
import type { Logger } from '../../src/platform/observability/index.ts';
import { signingKeysIn } from '../../src/platform/access/index.ts';
import { type NatsCluster, startNats } from './nats.ts';
import { killPostgresOf, killQuietly, running, StackError } from './processes.ts';
import { forwardTo } from './proxy.ts';
import { planReplicas, type Replica, type Replicas } from './replicas.ts';

/** What a service process runs: the TypeScript sources (what you edit), or their build (what the image runs). */
const ENTRIES = {
  src: fileURLToPath(new URL('../../src/main.ts', import.meta.url)),
  dist: fileURLToPath(new URL('../../dist/main.js', import.meta.url)),
};
/** As the image starts a service (see the Dockerfile's ENTRYPOINT): heap limits that keep it under 150 MB. */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=96'];
const DEFAULT_REPLICAS: Record<ServiceName, number> = { users: 1, billing: 2, orders: 2, notifications: 1 };

export interface StackOptions {
  /** NATS data, PostgreSQL data and the service logs go here. */
  dataDir: string;
  /** Gateway port; 0 picks a free one. */
  port?: number;
  /** The address the gateway binds (127.0.0.1 by default); the replicas bind 127.0.0.1 whatever it is. */
  host?: string;
  /** Client port of the (first) NATS server the stack starts; 0 picks a free one. */
  natsPort?: number;
  /** 1: one NATS server; 3: a three-node JetStream cluster, streams replicated three times. */
  natsCluster?: 1 | 3;
  /** Use this NATS server instead of starting one (then stopNats/startNats are not available). */
  natsUrl?: string;
  /** Port of PostgreSQL; 0 picks a free one. */
  pgPort?: number;
  replicas?: Partial<Record<ServiceName, number>>;
  /** LOG_LEVEL of the service processes; their output goes to <dataDir>/logs/<service>-<n>.log. */
  logLevel?: string;
  /** The stack's own log (PostgreSQL start and stop, replicas that exit unexpectedly). */
  log: Logger;
  /** `dist`: the service processes run the build of `npm run build` (less memory), not the sources. */
  servicesFrom?: keyof typeof ENTRIES;
  /** Called with a line for each step, for a human watching. */
  progress?: (line: string) => void;
  /** The operator's account (ADMIN_EMAIL and ADMIN_PASSWORD of users). */
  admin?: { email: string; password: string };
  /** Each service process writes a CPU profile here when it exits (node --cpu-prof). */
  cpuProfileDir?: string;
}

export interface Stack {
  /** The gateway. */
  url: string;
  natsUrl: string;
  dataDir: string;
  replicas: Readonly<Record<ServiceName, number>>;
  databaseUrl(service: ServiceName): string;
  /** The direct address of one replica, bypassing the gateway. */
  replicaUrl(service: ServiceName, index: number): string;
  isRunning(service: ServiceName, index: number): boolean;
  /** The process id of one replica while it runs (to freeze it with SIGSTOP, say). */
  pid(service: ServiceName, index: number): number | undefined;
  /** Sends the signal to one replica (SIGKILL by default) and waits until it has exited. */
  kill(service: ServiceName, index: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts one replica again (stopping it first if it runs) and waits until it is ready. */
  restart(service: ServiceName, index: number): Promise<void>;
  /** Exits nobody asked for (crashes), as "billing-1 exited with code 1". */
  unexpectedExits(): readonly string[];
  /** The NATS nodes the stack started (none with an external NATS_URL). */
  nats: NatsCluster | undefined;
  stopNats(): Promise<void>;
  startNats(): Promise<void>;
  /** Stops PostgreSQL (all four databases) or starts it again on the same port. */
  stopDatabase(): Promise<void>;
  startDatabase(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the whole topology and waits until every replica is ready; on failure stops what it started. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const { log } = options;
  const progress = options.progress ?? (() => {});
  const entry = ENTRIES[options.servicesFrom ?? 'src'];
  try {
    accessSync(entry, constants.R_OK);
  } catch {
    throw new StackError(`${entry} is missing: run npm run build first`);
  }

  const dataDir = resolve(options.dataDir);
  const logsDir = join(dataDir, 'logs');
  await mkdir(logsDir, { recursive: true });
  const counts = { ...DEFAULT_REPLICAS, ...options.replicas };
  const unexpected: string[] = [];
  let nats: NatsCluster | undefined;
  let natsUrl = options.natsUrl ?? '';
  let pg: EmbeddedPostgres | undefined;
  let pgPort = options.pgPort ?? 0;
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const databaseUrl = (service: ServiceName) => {
    if (!pg) throw new StackError('PostgreSQL is not running');
    return pg.urlFor(service);
  };

  // As in Kubernetes: users holds the private keys (a Secret there, a file made on first start here); the others
  // read the public keys from users.
  const signingKeysFile = join(dataDir, 'auth', 'signing-keys.json');
  let replicas: Replicas | undefined;

  // If the stack's process ends without stop() (an uncaught error), its children must not outlive it.
  const killLeftovers = () => {
    replicas?.killAll();
    for (const node of nats?.nodes ?? []) {
      const pid = node.pid();
      if (pid) killQuietly(pid, 'SIGKILL');
    }
    if (pg) killPostgresOf(dataDir);
  };
  process.once('exit', killLeftovers);

  async function stopAll(): Promise<void> {
    await gateway?.close().catch((error) => log.error({ err: error }, 'gateway did not close cleanly'));
    agent.destroy();
    await replicas?.stopAll();
    await nats?.stop();
    await pg?.stop();
    pg = undefined;
    process.removeListener('exit', killLeftovers);
  }

  try {
    if (!natsUrl) {
      nats = await startNats({ dataDir, size: options.natsCluster ?? 1, port: options.natsPort ?? 0, logsDir });
      natsUrl = nats.url;
      const what = nats.nodes.length > 1 ? `a JetStream cluster of ${nats.nodes.length}` : 'NATS with JetStream';
      progress(`${what.padEnd(22)} ${natsUrl} (data in ${join(dataDir, 'nats')})`);
    }
    pg = await startEmbeddedPostgres({ dataDir, port: pgPort, log });
    pgPort = pg.port;
    await pg.createDatabases(serviceNames);
    progress(`PostgreSQL             127.0.0.1:${pgPort}, databases ${serviceNames.join(', ')} (data in ${join(dataDir, 'postgres')})`);

    // Ports are taken now, once NATS and PostgreSQL hold theirs: a port chosen earlier could be taken by them.
    replicas = await planReplicas({
      command: [process.execPath, ...SERVICE_NODE_FLAGS, ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []), entry],
      logsDir,
      // The operators' console is one more process: the live feed it serves watches the bus, not a database.
      counts: { ...counts, console: 1 },
      envOf: (replica: Replica) => ({
        ...(replica.service === 'console' ? {} : { DATABASE_URL: databaseUrl(replica.service) }),
        NATS_URL: natsUrl,
        // Only the gateway faces the network: a HOST in the stack's environment must not open the replicas too.
        HOST: '127.0.0.1',
        NATS_STREAM_REPLICAS: String(options.natsCluster ?? 1),
        LOG_LEVEL: options.logLevel ?? 'info',
        ...(replica.service === 'users'
          ? { AUTH_SIGNING_KEYS_FILE: signingKeysFile, ...(options.admin ? { ADMIN_EMAIL: options.admin.email, ADMIN_PASSWORD: options.admin.password } : {}) }
          : { AUTH_JWKS_URL: `http://127.0.0.1:${(replicas as Replicas).of('users', 0).port}/users/.well-known/jwks.json` }),
      }),
      onUnexpectedExit(what, replica) {
        unexpected.push(what);
        if (options.progress) options.progress(`! ${what}; its log: ${replica.logFile}`);
        else log.error({ service: replica.service, replica: replica.index + 1, logFile: replica.logFile }, what);
      },
    });
    await signingKeysIn(signingKeysFile);
    const started = replicas;
    for (const replica of started.all) started.spawn(replica);
    await Promise.all(started.all.map(started.waitReady));
    for (const replica of started.all) {
      progress(`${`${replica.service}-${replica.index + 1}`.padEnd(22)} http://127.0.0.1:${replica.port}/${replica.service} (pid ${replica.child?.pid}, log ${replica.logFile})`);
    }

    const targetsOf = (service: ServiceName | 'console') =>
      started.all.filter((r) => r.service === service).map((r) => Object.assign(r, { isRunning: () => running(r.child) }));
    const upstreams = Object.fromEntries(serviceNames.map((service) => [service, forwardTo(service, targetsOf(service), agent, log)]));
    const consoleUpstream = forwardTo('console', targetsOf('console'), agent, log);
    gateway = await startGateway(upstreams as Record<ServiceName, Upstream>, { port: options.port ?? 0, host: options.host ?? '127.0.0.1', console: consoleUpstream });
  } catch (error) {
    await stopAll().catch((stopError) => log.error({ err: stopError }, 'could not stop the partly started stack'));
    throw error;
  }

  const processes = replicas as Replicas;
  return {
    url: gateway.url,
    natsUrl,
    dataDir,
    replicas: counts,
    databaseUrl,
    replicaUrl: (service, index) => `http://127.0.0.1:${processes.of(service, index).port}`,
    isRunning: (service, index) => running(processes.of(service, index).child),
    pid(service, index) {
      const { child } = processes.of(service, index);
      return running(child) ? child.pid : undefined;
    },
    async kill(service, index, signal = 'SIGKILL') {
      await processes.stop(processes.of(service, index), signal);
    },
    async restart(service, index) {
      const replica = processes.of(service, index);
      await processes.stop(replica, 'SIGTERM');
      processes.spawn(replica);
      await processes.waitReady(replica);
    },
    unexpectedExits: () => [...unexpected],
    nats,
    async stopNats() {
      if (!nats) throw new StackError('the stack uses an external NATS server (NATS_URL); it cannot stop it');
      await nats.stop();
    },
    async startNats() {
      if (!nats) throw new StackError('the stack uses an external NATS server (NATS_URL); it cannot start it');
      await nats.start();
    },
    async stopDatabase() {
      await pg?.stop();
    },
    async startDatabase() {
      pg = await startEmbeddedPostgres({ dataDir, port: pgPort, log });
    },
    stop: stopAll,
  };
}
