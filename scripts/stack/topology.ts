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
import { calledServices, type InteractionStyle, type ServiceName, serviceNames, usesBroker } from '../../src/platform/runtime/index.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/platform/database/index.ts';
import { startGateway, type Upstream } from '../../src/platform/http/index.ts';
import type { Logger } from '../../src/platform/observability/index.ts';
import { serviceKeyIn, signingKeysIn } from '../../src/platform/access/index.ts';
import { type NatsCluster, startNats } from './nats.ts';
import { killPostgresOf, killQuietly, running, StackError } from './processes.ts';
import { stackControls } from './controls.ts';
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
  /** How the services cooperate (INTERACTION_STYLE): the http style starts no NATS at all. */
  style?: InteractionStyle;
  /** More settings for every service process (PAYMENT_DEADLINE, say). */
  env?: Record<string, string>;
}

export interface Stack {
  /** The gateway. */
  url: string;
  /** The internal endpoints' gateway (loopback), in the styles that call them. */
  internalUrl: string | undefined;
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

/** What a started stack holds while it runs, for stopping it and for its controls. */
export interface Parts {
  nats?: NatsCluster;
  natsUrl: string;
  pg?: EmbeddedPostgres;
  pgPort: number;
  replicas?: Replicas;
  gateways: Awaited<ReturnType<typeof startGateway>>[];
}

/** Starts the whole topology and waits until every replica is ready; on failure stops what it started. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const { log } = options;
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
  const parts: Parts = { natsUrl: options.natsUrl ?? '', pgPort: options.pgPort ?? 0, gateways: [] };
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });

  // If the stack's process ends without stop() (an uncaught error), its children must not outlive it.
  const killLeftovers = () => {
    parts.replicas?.killAll();
    for (const node of parts.nats?.nodes ?? []) {
      const pid = node.pid();
      if (pid) killQuietly(pid, 'SIGKILL');
    }
    if (parts.pg) killPostgresOf(dataDir);
  };
  process.once('exit', killLeftovers);

  async function stopAll(): Promise<void> {
    for (const gateway of parts.gateways) await gateway.close().catch((error) => log.error({ err: error }, 'gateway did not close cleanly'));
    agent.destroy();
    await parts.replicas?.stopAll();
    await parts.nats?.stop();
    await parts.pg?.stop();
    parts.pg = undefined;
    process.removeListener('exit', killLeftovers);
  }

  try {
    await startInfrastructure(parts, { ...options, dataDir, logsDir });
    parts.replicas = await startReplicas(parts, { ...options, dataDir, logsDir, entry, counts, agent, unexpected });
    const { replicas } = parts;
    const targetsOf = (service: ServiceName | 'console') =>
      replicas.all.filter((r) => r.service === service).map((r) => Object.assign(r, { isRunning: () => running(r.child) }));
    const upstreams = Object.fromEntries(serviceNames.map((service) => [service, forwardTo(service, targetsOf(service), agent, log)]));
    const consoleUpstream = forwardTo('console', targetsOf('console'), agent, log);
    parts.gateways.unshift(await startGateway(upstreams as Record<ServiceName, Upstream>, { port: options.port ?? 0, host: options.host ?? '127.0.0.1', console: consoleUpstream }));
  } catch (error) {
    await stopAll().catch((stopError) => log.error({ err: stopError }, 'could not stop the partly started stack'));
    throw error;
  }
  return stackControls(parts, { dataDir, counts, unexpected, log, stopAll });
}

/** NATS (unless the style has no broker, or NATS_URL names one) and PostgreSQL with a database per service. */
async function startInfrastructure(parts: Parts, options: StackOptions & { logsDir: string }): Promise<void> {
  const progress = options.progress ?? (() => {});
  const { dataDir, logsDir } = options;
  if (!parts.natsUrl && usesBroker(options.style ?? 'events')) {
    parts.nats = await startNats({ dataDir, size: options.natsCluster ?? 1, port: options.natsPort ?? 0, logsDir });
    parts.natsUrl = parts.nats.url;
    const what = parts.nats.nodes.length > 1 ? `a JetStream cluster of ${parts.nats.nodes.length}` : 'NATS with JetStream';
    progress(`${what.padEnd(22)} ${parts.natsUrl} (data in ${join(dataDir, 'nats')})`);
  }
  parts.pg = await startEmbeddedPostgres({ dataDir, port: parts.pgPort, log: options.log });
  parts.pgPort = parts.pg.port;
  await parts.pg.createDatabases(serviceNames);
  progress(`PostgreSQL             127.0.0.1:${parts.pgPort}, databases ${serviceNames.join(', ')} (data in ${join(dataDir, 'postgres')})`);
}

interface ReplicaStart extends StackOptions {
  logsDir: string;
  entry: string;
  counts: Record<ServiceName, number>;
  agent: Agent;
  unexpected: string[];
}

/**
 * Plans every replica (ports are taken now, once NATS and PostgreSQL hold theirs), starts the internal gateway of
 * the style's called services, spawns the replicas with the settings of their role and style, and waits until ready.
 */
async function startReplicas(parts: Parts, options: ReplicaStart): Promise<Replicas> {
  const style = options.style ?? 'events';
  // As in Kubernetes: users holds the private keys (a Secret there, a file made on first start here); the others
  // read the public keys from users. The service key signs internal calls (every service holds it).
  const signingKeysFile = join(options.dataDir, 'auth', 'signing-keys.json');
  await signingKeysIn(signingKeysFile);
  const serviceKey = JSON.stringify(await serviceKeyIn(join(options.dataDir, 'auth', 'service-key.json')));
  let internalUrl = '';
  const replicas: Replicas = await planReplicas({
    command: [process.execPath, ...SERVICE_NODE_FLAGS, ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []), options.entry],
    logsDir: options.logsDir,
    // The operators' console is one more process: the live feed it serves watches the bus, not a database.
    counts: { ...options.counts, console: 1 },
    envOf: (replica: Replica) => ({
      ...(replica.service === 'console' ? {} : { DATABASE_URL: (parts.pg as EmbeddedPostgres).urlFor(replica.service) }),
      ...(parts.natsUrl ? { NATS_URL: parts.natsUrl } : {}),
      // Only the gateway faces the network: a HOST in the stack's environment must not open the replicas too.
      HOST: '127.0.0.1',
      NATS_STREAM_REPLICAS: String(options.natsCluster ?? 1),
      LOG_LEVEL: options.logLevel ?? 'info',
      INTERACTION_STYLE: style,
      ...options.env,
      ...(internalUrl ? { SERVICE_SIGNING_KEY: serviceKey, BILLING_INTERNAL_URL: internalUrl, NOTIFICATIONS_INTERNAL_URL: internalUrl } : {}),
      ...(replica.service === 'users'
        ? { AUTH_SIGNING_KEYS_FILE: signingKeysFile, ...(options.admin ? { ADMIN_EMAIL: options.admin.email, ADMIN_PASSWORD: options.admin.password } : {}) }
        : { AUTH_JWKS_URL: `http://127.0.0.1:${replicas.of('users', 0).port}/users/.well-known/jwks.json` }),
    }),
    onUnexpectedExit(what, replica) {
      options.unexpected.push(what);
      if (options.progress) options.progress(`! ${what}; its log: ${replica.logFile}`);
      else options.log.error({ service: replica.service, replica: replica.index + 1, logFile: replica.logFile }, what);
    },
  });
  if (calledServices(style).length > 0) {
    // The internal endpoints of every replica behind one loopback gateway, as a Service fronts them in Kubernetes.
    const internalOf = (service: string) =>
      replicas.all.filter((r) => r.service === service).map((r) => ({ port: r.internalPort, failedAt: 0, isRunning: () => running(r.child) }));
    const upstreams = Object.fromEntries(calledServices(style).map((service) => [service, forwardTo(service, internalOf(service), options.agent, options.log)]));
    const internal = await startGateway(upstreams, { port: 0, host: '127.0.0.1', setting: 'INTERNAL_PORT' });
    parts.gateways.push(internal);
    internalUrl = internal.url;
  }
  // Known to the stack before any is spawned: if one fails to start, stopAll stops the others, which would otherwise
  // run on (and keep the process that started them, a test's, alive for ever).
  parts.replicas = replicas;
  for (const replica of replicas.all) replicas.spawn(replica);
  await Promise.all(replicas.all.map(replicas.waitReady));
  for (const replica of replicas.all) {
    options.progress?.(`${`${replica.service}-${replica.index + 1}`.padEnd(22)} http://127.0.0.1:${replica.port}/${replica.service} (pid ${replica.child?.pid}, log ${replica.logFile})`);
  }
  return replicas;
}
