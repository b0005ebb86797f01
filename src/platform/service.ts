import type { Logger } from 'pino';
import { adminRoutes } from './admin-routes.ts';
import type { Bus } from './bus.ts';
import type { ServiceName } from './config.ts';
import { connectDatabase, migrate, type Sql } from './db.ts';
import { createSubscription, type EventHandler } from './consumer.ts';
import { deadLetterReplay } from './dead-letters.ts';
import { type App, createHttpApp } from './http.ts';
import { createMetrics, type ServiceMetrics } from './metrics.ts';
import { type OutboxRelay, relayWaker, startOutboxRelay } from './outbox-relay.ts';
import { type MessagingRetention, messagingRules, registerRetentionGauges, type RetentionRule, startRetention } from './retention.ts';
import { createTracing } from './tracing.ts';
import { type Database, openDatabase } from './transactions.ts';
import type { TokenIssuer, TokenVerifier } from './tokens.ts';

/** What users needs to sign tokens and to create the operator's account; the other services only check tokens. */
export interface IdentitySettings {
  issuer: TokenIssuer;
  operator?: { email: string; password: string };
}

export interface ServiceDeps {
  db: Database;
  log: Logger;
  metrics: ServiceMetrics;
  /** Given to users only. */
  identity?: IdentitySettings;
}

/** A service once its long-lived parts run: its HTTP routes, and how to close those parts at stop. */
export interface StartedService {
  routes(app: App): Promise<void> | void;
  close?(): Promise<void>;
}

/** Everything a service is, as data: the runtime below starts every service the same way. */
export interface ServiceModule {
  name: ServiceName;
  description: string;
  migrations: URL;
  /** Runs once the database is migrated: creates the long-lived parts (listeners, pipelines) and the routes that use them. */
  start(deps: ServiceDeps): Promise<StartedService> | StartedService;
  handlers: EventHandler[];
  /** Its own tables that must not grow forever (the messaging tables are the platform's). */
  retention?: RetentionRule[];
}

export interface RunningService {
  name: ServiceName;
  app: App;
  sql: Sql;
  startRelay(): Promise<void>;
  stop(): Promise<void>;
}

const platformMigrations = new URL('./migrations/', import.meta.url);

/**
 * Migrates the service's database, builds its HTTP app and subscribes its handlers.
 * The outbox relay starts separately, once every subscriber of the process is in place.
 */
export async function startService(
  module: ServiceModule,
  options: {
    databaseUrl: string;
    bus: Bus;
    log: Logger;
    verifier: TokenVerifier;
    retention: MessagingRetention;
    /** OTLP/HTTP endpoint of a trace collector; traces are off without one. */
    tracesEndpoint?: string | undefined;
    identity?: IdentitySettings;
    poolSize?: number;
  },
): Promise<RunningService> {
  const log = options.log.child({ service: module.name });
  const tracing = createTracing(module.name, options.tracesEndpoint);
  const sql = connectDatabase(options.databaseUrl, `streamshop-${module.name}`, options.poolSize);
  let relay: OutboxRelay | undefined;
  // A commit that appended to the outbox wakes the relay: ours, or the leading one elsewhere.
  const db = openDatabase(sql, { 'outbox-appended': relayWaker(sql, () => relay) });
  const metrics = createMetrics(module.name);
  await migrate(sql, [platformMigrations, module.migrations], log);

  metrics.pendingGauge('outbox_unpublished_events', 'Events committed but not yet accepted by the bus', async () => {
    const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`;
    return row?.n ?? 0;
  });
  const rules = [...messagingRules(options.retention), ...(module.retention ?? [])];
  registerRetentionGauges(sql, rules.map((rule) => rule.table), metrics);
  const retention = startRetention(sql, rules, log, metrics);
  metrics.pendingGauge('dead_letters_waiting', 'Events that failed every attempt and wait for a replay (neither replayed nor discarded)', async () => {
    const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM dead_letters WHERE settled_at IS NULL`;
    return row?.n ?? 0;
  });

  const isReady = async () => {
    if (!options.bus.isReady()) return false;
    return sql`SELECT 1`.then(() => true, () => false);
  };
  const started = await module.start({ db, log, metrics, ...(options.identity ? { identity: options.identity } : {}) });
  const replay = deadLetterReplay(module, db, log, metrics, tracing);
  const app = await createHttpApp(
    { service: module.name, description: module.description, log, metrics, isReady, verifier: options.verifier, tracing },
    async (scoped) => {
      await started.routes(scoped);
      adminRoutes(scoped, { db, replay, log });
    },
  );
  if (started.close) app.addHook('onClose', started.close);
  await app.ready();

  const unsubscribe = module.handlers.length
    ? await options.bus.subscribe(createSubscription(module.name, db, module.handlers, log, metrics, tracing))
    : async () => {};

  return {
    name: module.name,
    app,
    sql,
    async startRelay() {
      if (relay) return;
      // The relay's own connection holds its lock and does its reads and marks, outside the request pool.
      const own = connectDatabase(options.databaseUrl, `streamshop-${module.name}-relay`, 1);
      relay = await startOutboxRelay(sql, own, options.bus, log, metrics, tracing);
    },
    /** Stop taking work (HTTP, then events), finish what is in flight, then close the pool. */
    async stop() {
      await app.close();
      await unsubscribe();
      await relay?.stop();
      await retention.stop();
      await sql.end({ timeout: 5 });
      await tracing.shutdown();
    },
  };
}
