import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { TokenIssuer, TokenVerifier } from '../access/index.ts';
import { adminRoutes } from '../admin/index.ts';
import { type MessageBatching, type SpeedLayer, speedLayer } from '../batching/index.ts';
import { connectDatabase, type Database, migrate, openDatabase, registerRetentionGauges, type RetentionRule, type Sql, startRetention } from '../database/index.ts';
import { type App, createHttpApp } from '../http/index.ts';
import {
  type Bus,
  createConsumer,
  deadLetterReplay,
  type EventHandler,
  type MessagingRetention,
  messagingRules,
  type OutboxRelay,
  outboxWrite,
  relayWaker,
  startOutboxRelay,
} from '../messaging/index.ts';
import { createMetrics, createTracing, type ServiceMetrics, type Tracing } from '../observability/index.ts';
import type { ServiceName } from './config.ts';
import type { StopTasks } from './shutdown.ts';

/** What users needs to sign tokens and to create the operator's account; the other services only check tokens. */
export interface IdentitySettings {
  issuer: TokenIssuer;
  operator?: { email: string; password: string };
}

export interface ServiceDeps {
  db: Database;
  log: Logger;
  metrics: ServiceMetrics;
  /** How writes many requests make at once are committed (grouped with MESSAGE_BATCHING=on). */
  speed: SpeedLayer;
  /** Given to users only. */
  identity?: IdentitySettings;
}

/** What a service's start gives the runtime: its HTTP routes, and how to close its long-lived parts at stop. */
export interface ServiceRuntime {
  routes(app: App): Promise<void> | void;
  close?(): Promise<void>;
}

/** Everything a service is, as data: the runtime below starts every service the same way. */
export interface ServiceModule {
  name: ServiceName;
  description: string;
  migrations: URL;
  /** Runs once the database is migrated: creates the long-lived parts (listeners, pipelines) and the routes that use them. */
  start(deps: ServiceDeps): Promise<ServiceRuntime> | ServiceRuntime;
  handlers: EventHandler[];
  /** Its own tables that must not grow forever (the messaging tables are the platform's). */
  retention?: RetentionRule[];
}

export interface RunningService {
  name: ServiceName;
  app: App;
  sql: Sql;
  startRelay(): Promise<void>;
  /**
   * The graceful stop, as tasks to run together under a deadline (see shutdown.ts): no more requests (those in
   * flight finish; waiting `Prefer: wait` requests answer at once), no more events (those being handled finish),
   * the outbox relay and the retention worker stopped. The pool stays open for them: close it after.
   */
  drain(): StopTasks;
  /** Ends the pool (gracefully after drain(), or at once with `timeoutSeconds` 0 to cut what still runs) and sends the last spans. */
  close(timeoutSeconds: number): Promise<void>;
}

export interface StartServiceOptions {
  databaseUrl: string;
  bus: Bus;
  log: Logger;
  verifier: TokenVerifier;
  retention: MessagingRetention;
  messageBatching: MessageBatching;
  /** OTLP/HTTP endpoint of a trace collector; traces are off without one. */
  tracesEndpoint?: string | undefined;
  identity?: IdentitySettings;
  poolSize?: number;
  /** False while the database is known to be down (the embedded PostgreSQL's supervisor knows it at once). */
  isUp?: () => boolean;
}

/** The messaging tables every database has; recorded as `platform/<file>` since the first release. */
const platformMigrations = { name: 'platform', url: new URL('../messaging/migrations/', import.meta.url) };
/** Under the 2 s timeout of the Kubernetes readiness probes (deploy/k8s/app). */
const READY_CHECK_MS = 1_500;

/**
 * Migrates the service's database, builds its HTTP app and subscribes its handlers.
 * The outbox relay starts separately, once every subscriber of the process is in place.
 */
export async function startService(module: ServiceModule, options: StartServiceOptions): Promise<RunningService> {
  const log = options.log.child({ service: module.name });
  const tracing = createTracing(module.name, options.tracesEndpoint);
  const sql = connectDatabase(options.databaseUrl, `streamshop-${module.name}`, options.poolSize);
  const speed = speedLayer(options.messageBatching);
  let relay: OutboxRelay | undefined;
  // A commit that appended to the outbox wakes the relay: ours, or the leading one elsewhere.
  const db = openDatabase(sql, { onCommit: { [outboxWrite.name]: relayWaker(sql, () => relay) }, sendWrites: speed.sendWrites });
  const metrics = createMetrics(module.name);
  let app: App | undefined;
  let unsubscribe = async () => {};
  let retentionWorker: { stop(): Promise<void> } | undefined;
  try {
    await migrate(sql, { database: module.name, folders: [platformMigrations, { name: module.name, url: module.migrations }] }, log);
    const rules = [...messagingRules(options.retention), ...(module.retention ?? [])];
    registerMessagingGauges(sql, metrics, rules);
    const runtime = await module.start({ db, log, metrics, speed, ...(options.identity ? { identity: options.identity } : {}) });
    app = await serviceApp(module, { db, log, metrics, tracing, runtime, options });
    if (module.handlers.length) {
      const consumer = createConsumer({ service: module.name, db, handlers: module.handlers, log, metrics, tracing, batching: speed.consumer });
      unsubscribe = await options.bus.subscribe(consumer);
    }
    retentionWorker = startRetention(sql, rules, log, metrics);
  } catch (error) {
    // Nothing started may outlive a failed start: the pool (and its LISTEN connection) would keep the process alive.
    await unsubscribe().catch(() => {});
    await app?.close().catch(() => {});
    await sql.end({ timeout: 0 }).catch(() => {});
    throw error;
  }
  const httpApp = app;
  const retention = retentionWorker;

  return {
    name: module.name,
    app: httpApp,
    sql,
    async startRelay() {
      if (relay) return;
      // The relay's own connection holds its lock and does its reads and marks, outside the request pool.
      const relayConnection = connectDatabase(options.databaseUrl, `streamshop-${module.name}-relay`, 1);
      relay = await startOutboxRelay({ sql, relayConnection, bus: options.bus, log, metrics, tracing }).catch(async (error: unknown) => {
        await relayConnection.end({ timeout: 0 }).catch(() => {});
        throw error;
      });
    },
    drain() {
      const requests = httpApp.close();
      const events = unsubscribe();
      return {
        [`${module.name} HTTP requests`]: () => requests,
        [`${module.name} event handling`]: () => events,
        // Last, so that it still publishes what the requests and events in flight commit.
        [`${module.name} outbox relay`]: async () => {
          await Promise.allSettled([requests, events]);
          await relay?.stop();
        },
        [`${module.name} retention`]: () => retention.stop(),
      };
    },
    async close(timeoutSeconds) {
      await sql.end({ timeout: timeoutSeconds });
      await tracing.shutdown().catch(() => {});
    },
  };
}

interface ServiceAppParts {
  db: Database;
  log: Logger;
  metrics: ServiceMetrics;
  tracing: Tracing;
  runtime: ServiceRuntime;
  options: StartServiceOptions;
}

/** The service's HTTP app: its own routes, the operators' routes, health with the process's settings. */
async function serviceApp(module: ServiceModule, { db, log, metrics, tracing, runtime, options }: ServiceAppParts): Promise<App> {
  const { sql } = db;
  const isReady = async () => {
    if (!options.bus.isReady() || options.isUp?.() === false) return false;
    // A probe gets an answer, never a hang: a pool that cannot run a query this soon is not ready.
    const answered = sql`SELECT 1`.then(() => true, () => false);
    return Promise.race([answered, sleep(READY_CHECK_MS, false, { ref: false })]);
  };
  const replay = deadLetterReplay({ service: module.name, handlers: module.handlers, db, log, metrics, tracing });
  const settings = { MESSAGE_BATCHING: options.messageBatching };
  const app = await createHttpApp({ service: module.name, description: module.description, log, metrics, isReady, settings, verifier: options.verifier, tracing }, async (scoped) => {
    await runtime.routes(scoped);
    adminRoutes(scoped, { db, replay, log });
  });
  // preClose, not onClose: requests waiting with `Prefer: wait` must answer before the server can finish closing.
  if (runtime.close) app.addHook('preClose', runtime.close);
  await app.ready();
  return app;
}

/** Gauges read from the database when /metrics is scraped: what waits in the outbox and the dead letters, what the tables keep. */
function registerMessagingGauges(sql: Sql, metrics: ServiceMetrics, rules: RetentionRule[]): void {
  metrics.pendingGauge('outbox_unpublished_events', 'Events committed but not yet accepted by the bus', async () => {
    const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`;
    return row?.n ?? 0;
  });
  metrics.pendingGauge('dead_letters_waiting', 'Events that failed every attempt and wait for a replay (neither replayed nor discarded)', async () => {
    const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM dead_letters WHERE settled_at IS NULL`;
    return row?.n ?? 0;
  });
  registerRetentionGauges(sql, rules.map((rule) => rule.table), metrics);
}
