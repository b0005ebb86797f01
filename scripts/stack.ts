/**
 * npm run stack: the production topology on one machine. A NATS server with JetStream, PostgreSQL with one
 * database per service, each service as its own process (two replicas of billing and orders), the operators'
 * console as one more process, and a gateway on one port that forwards each prefix to its replicas, round-robin,
 * over HTTP.
 *
 * The pieces are exported so the stack tests start, break and stop the same topology.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { Agent, type IncomingHttpHeaders, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Type from 'typebox';
import { ConfigError, EmbeddedConfig, loadConfig, operatorAccount, type ServiceName, serviceNames } from '../src/platform/config.ts';
import { type EmbeddedPostgres, freePort, startEmbeddedPostgres } from '../src/platform/embedded-postgres.ts';
import { startGateway, type Upstream } from '../src/platform/gateway.ts';
import { createLogger, type Logger } from '../src/platform/logger.ts';
import { signingKeysIn } from '../src/platform/tokens.ts';

/** What a service process runs: the TypeScript sources (what you edit), or their build (what the image runs). */
const ENTRIES = {
  src: fileURLToPath(new URL('../src/main.ts', import.meta.url)),
  dist: fileURLToPath(new URL('../dist/main.js', import.meta.url)),
};
/** As the image starts a service (see the Dockerfile's ENTRYPOINT): heap limits that keep it under 150 MB. */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=96'];
const DEFAULT_REPLICAS: Record<ServiceName, number> = { users: 1, billing: 2, orders: 2, notifications: 1 };
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
/** After a refused connection a replica is tried last for this long. */
const FAILED_REPLICA_COOLDOWN_MS = 1_000;

export interface StackOptions {
  /** NATS data, PostgreSQL data and the service logs go here. */
  dataDir: string;
  /** Gateway port; 0 picks a free one. */
  port?: number;
  /** Port of the NATS server the stack starts; 0 picks a free one. */
  natsPort?: number;
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
  stopNats(): Promise<void>;
  startNats(): Promise<void>;
  /** Stops PostgreSQL (all four databases) or starts it again on the same port. */
  stopDatabase(): Promise<void>;
  startDatabase(): Promise<void>;
  stop(): Promise<void>;
}

export class StackError extends Error {}

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

interface NatsServer {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** The pid while it runs, for the last-resort cleanup on exit. */
  pid(): number | undefined;
}

/** nats-server -js on 127.0.0.1, its JetStream store under <dataDir>/nats; restarts keep port and store. */
export async function startNatsServer(options: { dataDir: string; port: number; logFile: string }): Promise<NatsServer> {
  const executable = findNatsServer();
  const port = options.port || (await freePort());
  const storeDir = resolve(options.dataDir, 'nats');
  await mkdir(storeDir, { recursive: true });
  let server: ChildProcess | undefined;

  async function start(): Promise<void> {
    if (server && server.exitCode === null && server.signalCode === null) return;
    const log = openSync(options.logFile, 'a');
    try {
      server = spawn(executable, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], {
        detached: true, // Ctrl-C reaches only the stack, which stops the broker after the services
        stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
    const started = server;
    const exited = new Promise<never>((_, fail) =>
      started.once('exit', (code) => fail(new StackError(`nats-server exited with code ${code}; see ${options.logFile}`))),
    );
    exited.catch(() => {});
    await Promise.race([waitForPort(port, READY_TIMEOUT_MS), exited]);
  }

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    start,
    pid: () => (server && server.exitCode === null && server.signalCode === null ? server.pid : undefined),
    async stop() {
      if (!server || server.exitCode !== null || server.signalCode !== null) return;
      await stopProcess(server, 'SIGTERM');
    },
  };
}

interface Replica {
  /** A service, or the operators' console (one process, no database). */
  service: ServiceName | 'console';
  index: number;
  port: number;
  logFile: string;
  child?: ChildProcess;
  /** Set while we stop it on purpose, so its exit is not reported as a crash. */
  expectingExit: boolean;
  failedAt: number;
}

const running = (child: ChildProcess | undefined): child is ChildProcess =>
  child !== undefined && child.exitCode === null && child.signalCode === null;

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
  const replicasPerService = { ...DEFAULT_REPLICAS, ...options.replicas };
  const unexpected: string[] = [];
  const replicas: Replica[] = [];
  let stopping = false;
  let nats: NatsServer | undefined;
  let pg: EmbeddedPostgres | undefined;
  let pgPort = options.pgPort ?? 0;
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });

  // If the stack's process ends without stop() (an uncaught error), its children must not outlive it.
  const killLeftovers = () => {
    for (const replica of replicas) if (running(replica.child)) replica.child.kill('SIGKILL');
    const natsPid = nats?.pid();
    if (natsPid) killQuietly(natsPid, 'SIGKILL');
    if (pg) killPostgresOf(dataDir);
  };
  process.once('exit', killLeftovers);

  let natsUrl = options.natsUrl;
  const databaseUrl = (service: ServiceName) => {
    if (!pg) throw new StackError('PostgreSQL is not running');
    return pg.urlFor(service);
  };

  // As in Kubernetes: users holds the private keys (a Secret there, a file made on first start here); the others read
  // the public keys from users.
  const signingKeysFile = join(dataDir, 'auth', 'signing-keys.json');
  const identityEnv = (service: ServiceName | 'console'): Record<string, string> => {
    if (service !== 'users') return { AUTH_JWKS_URL: `http://127.0.0.1:${replicaOf('users', 0).port}/users/.well-known/jwks.json` };
    const admin: Record<string, string> = options.admin ? { ADMIN_EMAIL: options.admin.email, ADMIN_PASSWORD: options.admin.password } : {};
    return { AUTH_SIGNING_KEYS_FILE: signingKeysFile, ...admin };
  };

  function spawnReplica(replica: Replica): void {
    const logFd = openSync(replica.logFile, 'a');
    try {
      replica.child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, entry, replica.service], {
        env: {
          ...withoutTestRunner(process.env),
          ...(replica.service === 'console' ? {} : { DATABASE_URL: databaseUrl(replica.service) }),
          NATS_URL: natsUrl,
          PORT: String(replica.port),
          LOG_LEVEL: options.logLevel ?? 'info',
          ...identityEnv(replica.service),
        },
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
      const what = `${replica.service}-${replica.index + 1} exited with ${signal ?? `code ${code}`}`;
      unexpected.push(what);
      if (options.progress) options.progress(`! ${what}; its log: ${replica.logFile}`);
      else log.error({ service: replica.service, replica: replica.index + 1, code, signal, logFile: replica.logFile }, what);
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

  function replicaOf(service: ServiceName, index: number): Replica {
    const replica = replicas.find((r) => r.service === service && r.index === index);
    if (!replica) throw new StackError(`no replica ${service}[${index}] (there are ${replicasPerService[service]})`);
    return replica;
  }

  async function stopAll(): Promise<void> {
    stopping = true;
    await gateway?.close().catch((error) => log.error({ err: error }, 'gateway did not close cleanly'));
    agent.destroy();
    await Promise.all(replicas.map((replica) => stopReplica(replica, 'SIGTERM')));
    await nats?.stop();
    await pg?.stop();
    pg = undefined;
    process.removeListener('exit', killLeftovers);
  }

  try {
    if (!natsUrl) {
      nats = await startNatsServer({ dataDir, port: options.natsPort ?? 0, logFile: join(logsDir, 'nats.log') });
      natsUrl = nats.url;
      progress(`NATS with JetStream    ${natsUrl} (data in ${join(dataDir, 'nats')})`);
    }
    pg = await startEmbeddedPostgres({ dataDir, port: pgPort, log });
    pgPort = pg.port;
    await pg.createDatabases(serviceNames);
    progress(`PostgreSQL             127.0.0.1:${pgPort}, databases ${serviceNames.join(', ')} (data in ${join(dataDir, 'postgres')})`);

    await signingKeysIn(signingKeysFile);
    for (const service of serviceNames) {
      for (let index = 0; index < replicasPerService[service]; index++) {
        const logFile = join(logsDir, `${service}-${index + 1}.log`);
        replicas.push({ service, index, port: await freePort(), logFile, expectingExit: false, failedAt: 0 });
      }
    }
    const consoleProcess: Replica = { service: 'console', index: 0, port: await freePort(), logFile: join(logsDir, 'console-1.log'), expectingExit: false, failedAt: 0 };
    replicas.push(consoleProcess);
    for (const replica of replicas) spawnReplica(replica);
    await Promise.all(replicas.map(waitReady));
    for (const replica of replicas) {
      progress(`${`${replica.service}-${replica.index + 1}`.padEnd(22)} http://127.0.0.1:${replica.port}/${replica.service} (pid ${replica.child?.pid}, log ${replica.logFile})`);
    }

    const upstreams = Object.fromEntries(
      serviceNames.map((service) => [service, forwardTo(service, replicas.filter((r) => r.service === service))]),
    ) as Record<ServiceName, Upstream>;
    gateway = await startGateway(upstreams, options.port ?? 0, { console: forwardTo('console', [consoleProcess]) });
  } catch (error) {
    await stopAll().catch((stopError) => log.error({ err: stopError }, 'could not stop the partly started stack'));
    throw error;
  }

  const url = `http://127.0.0.1:${gateway.port}`;
  return {
    url,
    natsUrl,
    dataDir,
    replicas: replicasPerService,
    databaseUrl,
    replicaUrl: (service, index) => `http://127.0.0.1:${replicaOf(service, index).port}`,
    isRunning: (service, index) => running(replicaOf(service, index).child),
    pid(service, index) {
      const { child } = replicaOf(service, index);
      return running(child) ? child.pid : undefined;
    },
    async kill(service, index, signal = 'SIGKILL') {
      await stopReplica(replicaOf(service, index), signal);
    },
    async restart(service, index) {
      const replica = replicaOf(service, index);
      await stopReplica(replica, 'SIGTERM');
      spawnReplica(replica);
      await waitReady(replica);
    },
    unexpectedExits: () => [...unexpected],
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

  /** The gateway's upstream for one service: round-robin over its replicas, streaming both ways. */
  function forwardTo(service: ServiceName | 'console', targets: Replica[]): Upstream {
    let turn = 0;
    return (req, res) => {
      const now = Date.now();
      const start = turn++ % targets.length;
      const rotated = [...targets.slice(start), ...targets.slice(0, start)];
      // Replicas that run and did not just refuse a connection first; the others as a last resort.
      const healthy = (r: Replica) => running(r.child) && now - r.failedAt > FAILED_REPLICA_COOLDOWN_MS;
      const order = [...rotated.filter(healthy), ...rotated.filter((r) => !healthy(r))];
      const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
      attempt(0);

      function attempt(i: number): void {
        const target = order[i];
        if (!target) {
          req.resume();
          sendProblem(res, 503, 'unavailable', 'Service unavailable', `No replica of ${service} answers; retry shortly.`, req.url);
          return;
        }
        let sent = false;
        const upstream = request({
          host: '127.0.0.1',
          port: target.port,
          method: req.method,
          path: req.url,
          headers: forwardedHeaders(req),
          agent,
        });
        const send = () => {
          sent = true;
          if (hasBody) req.pipe(upstream);
          else upstream.end();
        };
        // The body is streamed only once the replica accepted the connection: a refused one can be retried elsewhere.
        upstream.once('socket', (socket) => (socket.connecting ? socket.once('connect', send) : send()));
        upstream.once('response', (response) => {
          res.writeHead(response.statusCode ?? 502, withoutHopByHop(response.headers));
          response.pipe(res);
        });
        upstream.once('error', (error) => {
          const retryable = !res.headersSent && (!sent || !hasBody);
          if (retryable) {
            if (!sent) target.failedAt = Date.now();
            attempt(i + 1);
            return;
          }
          log.warn({ err: error, service, port: target.port }, 'replica failed mid-request');
          if (!res.headersSent) {
            sendProblem(res, 502, 'bad-gateway', 'Bad gateway', `The ${service} replica failed while answering; retry shortly.`, req.url);
          } else {
            res.destroy();
          }
        });
        res.once('close', () => {
          if (!res.writableFinished) upstream.destroy();
        });
      }
    };
  }
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

function forwardedHeaders(req: IncomingMessage): IncomingHttpHeaders {
  const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
  return {
    ...withoutHopByHop(req.headers),
    ...(req.headers['transfer-encoding'] ? { 'transfer-encoding': 'chunked' } : {}),
    'x-forwarded-for': forwardedFor,
    'x-forwarded-proto': 'http',
    ...(req.headers.host ? { 'x-forwarded-host': req.headers.host } : {}),
  };
}

function sendProblem(res: ServerResponse, status: number, code: string, title: string, detail: string, instance?: string): void {
  const body = JSON.stringify({ type: `urn:streamshop:problem:${code}`, title, status, detail, code, ...(instance ? { instance } : {}) });
  res.writeHead(status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body), 'retry-after': '1' });
  res.end(body);
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (!running(child)) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill(signal);
  if (signal !== 'SIGKILL') child.kill('SIGCONT'); // a frozen (SIGSTOP) process gets the signal only once it runs
  const force = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(force);
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
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
function killPostgresOf(dataDir: string): void {
  let pidFile = '';
  try {
    pidFile = readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8');
  } catch {
    return; // not running
  }
  const pid = Number(pidFile.split('\n')[0]);
  if (pid) killQuietly(pid, 'SIGINT');
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** A service started from a test must not believe it is a test file itself. */
function withoutTestRunner(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_TEST_CONTEXT: _, ...rest } = env;
  return rest;
}

const Port = (fallback: number, description: string) => Type.Integer({ minimum: 0, maximum: 65535, default: fallback, description });

/** What `npm run stack` reads from the environment. */
export const StackConfig = Type.Object({
  PORT: Port(8080, 'gateway HTTP port (0 picks a free one)'),
  DATA_DIR: Type.String({ default: '.data/stack', minLength: 1, description: 'where NATS, PostgreSQL and the service logs keep their files' }),
  NATS_PORT: Port(0, 'port of the NATS server the stack starts (0 picks a free one)'),
  NATS_URL: Type.Optional(Type.String({ pattern: '^(nats|tls)://', description: 'use this NATS server (with JetStream) instead of starting one' })),
  PG_PORT: Port(0, 'port of PostgreSQL (0 picks a free one)'),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info', description: 'log level of the services (their logs go to DATA_DIR/logs/)' },
  ),
  ADMIN_EMAIL: EmbeddedConfig.properties.ADMIN_EMAIL,
  ADMIN_PASSWORD: EmbeddedConfig.properties.ADMIN_PASSWORD,
  SERVICES_FROM: Type.Union([Type.Literal('src'), Type.Literal('dist')], {
    default: 'src',
    description: 'what the service processes run: the TypeScript sources, or the build of npm run build (what the image runs)',
  }),
});

async function main(): Promise<void> {
  const config = loadConfig(StackConfig);
  const admin = operatorAccount(config);
  if (!config.NATS_URL) findNatsServer();
  const log = createLogger('warn', 'stack');
  console.log(`starting the streamshop stack (data in ${config.DATA_DIR}/) ...`);
  const stack = await startStack({
    dataDir: config.DATA_DIR,
    port: config.PORT,
    natsPort: config.NATS_PORT,
    pgPort: config.PG_PORT,
    logLevel: config.LOG_LEVEL,
    servicesFrom: config.SERVICES_FROM,
    log,
    progress: (line) => console.log(`  ${line}`),
    ...(config.NATS_URL ? { natsUrl: config.NATS_URL } : {}),
    ...(admin ? { admin } : {}),
  });
  console.log(`\nstreamshop stack is running: ${serviceNames.map((s) => `${s} ×${stack.replicas[s]}`).join(', ')}`);
  console.log(`  API      ${stack.url}/users  /billing  /orders  /notifications`);
  console.log(`  API docs ${stack.url}/docs`);
  console.log(`  Console  ${stack.url}/console${admin ? ` (log in as ${admin.email})` : ' (set ADMIN_EMAIL and ADMIN_PASSWORD to log in)'}`);
  console.log(`  logs     ${join(stack.dataDir, 'logs')}/`);
  console.log('  Ctrl-C to stop\n');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      console.error(`\n${signal} again: exiting now`);
      process.exit(1); // the exit hook kills what still runs
    }
    stopping = true;
    console.error(`\n${signal}: stopping the gateway, the services, NATS and PostgreSQL (again to force)`);
    stack.stop().then(
      () => process.exit(0),
      (error) => {
        console.error('error while stopping:', error);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error instanceof ConfigError || error instanceof StackError ? error.message : error);
    process.exit(error instanceof ConfigError ? 2 : 1);
  });
}
