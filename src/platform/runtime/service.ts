import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { adminRoutes } from '../admin/routes.ts';
import type { Bus } from '../messaging/bus.ts';
import type { ServiceName } from './config.ts';
import { connectDatabase, migrate, type Sql } from '../database/connection.ts';
import { createSubscription, type EventHandler } from '../messaging/consumer.ts';
import { deadLetterReplay } from '../messaging/dead-letters.ts';
import { type App, createHttpApp } from '../http/app.ts';
import { createMetrics, type ServiceMetrics } from '../observability/metrics.ts';
import { type OutboxRelay, relayWaker, startOutboxRelay } from '../messaging/relay.ts';
import type { StopTasks } from './shutdown.ts';
import { type MessagingRetention, messagingRules, registerRetentionGauges, type RetentionRule, startRetention } from '../database/retention.ts';
import { createTracing } from '../observability/tracing.ts';
import { type Database, openDatabase } from '../database/transactions.ts';
import type { TokenIssuer, TokenVerifier } from '../access/tokens.ts';

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
  /**
   * The graceful stop, as tasks to run together under a deadline (see shutdown.ts): no more requests (those in
   * flight finish; waiting `Prefer: wait` requests answer at once), no more events (those being handled finish),
   * the outbox relay and the retention worker stopped. The pool stays open for them: close it after.
   */
  drain(): StopTasks;
  /** Ends the pool (gracefully after drain(), or at once with `timeoutSeconds` 0 to cut what still runs) and sends the last spans. */
  close(timeoutSeconds: number): Promise<void>;
}

/** The messaging tables every database has; recorded as `platform/<file>` since the first release. */
const platformMigrations = { name: 'platform', url: new URL('../messaging/migrations/', import.meta.url) };
/** Under the 2 s timeout of the Kubernetes readiness probes (deploy/k8s/app). */
const READY_CHECK_MS = 1_500;

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
    /** False while the database is known to be down (the embedded PostgreSQL's supervisor knows it at once). */
    isUp?: () => boolean;
  },
): Promise<RunningService> {
  const log = options.log.child({ service: module.name });
  const tracing = createTracing(module.name, options.tracesEndpoint);
  const sql = connectDatabase(options.databaseUrl, `streamshop-${module.name}`, options.poolSize);
  let relay: OutboxRelay | undefined;
  // A commit that appended to the outbox wakes the relay: ours, or the leading one elsewhere.
  const db = openDatabase(sql, { 'outbox-appended': relayWaker(sql, () => relay) });
  const metrics = createMetrics(module.name);
  let app: App | undefined;
  let unsubscribe = async () => {};
  let retention: { stop(): Promise<void> } | undefined;
  try {
    await migrate(sql, [platformMigrations, { name: module.name, url: module.migrations }], log);

    metrics.pendingGauge('outbox_unpublished_events', 'Events committed but not yet accepted by the bus', async () => {
      const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`;
      return row?.n ?? 0;
    });
    metrics.pendingGauge('dead_letters_waiting', 'Events that failed every attempt and wait for a replay (neither replayed nor discarded)', async () => {
      const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM dead_letters WHERE settled_at IS NULL`;
      return row?.n ?? 0;
    });
    const rules = [...messagingRules(options.retention), ...(module.retention ?? [])];
    registerRetentionGauges(sql, rules.map((rule) => rule.table), metrics);

    const isReady = async () => {
      if (!options.bus.isReady() || options.isUp?.() === false) return false;
      // A probe gets an answer, never a hang: a pool that cannot run a query this soon is not ready.
      const answered = sql`SELECT 1`.then(() => true, () => false);
      return Promise.race([answered, sleep(READY_CHECK_MS, false, { ref: false })]);
    };
    const parts = await module.start({ db, log, metrics, ...(options.identity ? { identity: options.identity } : {}) });
    const replay = deadLetterReplay(module, db, log, metrics, tracing);
    app = await createHttpApp(
      { service: module.name, description: module.description, log, metrics, isReady, verifier: options.verifier, tracing },
      async (scoped) => {
        await parts.routes(scoped);
        adminRoutes(scoped, { db, replay, log });
      },
    );
    // preClose, not onClose: requests waiting with `Prefer: wait` must answer before the server can finish closing.
    if (parts.close) app.addHook('preClose', parts.close);
    await app.ready();

    if (module.handlers.length) {
      unsubscribe = await options.bus.subscribe(createSubscription(module.name, db, module.handlers, log, metrics, tracing));
    }
    retention = startRetention(sql, rules, log, metrics);
  } catch (error) {
    // Nothing started may outlive a failed start: the pool (and its LISTEN connection) would keep the process alive.
    await unsubscribe().catch(() => {});
    await app?.close().catch(() => {});
    await sql.end({ timeout: 0 }).catch(() => {});
    throw error;
  }
  const started = app;
  const sweeping = retention;

  return {
    name: module.name,
    app: started,
    sql,
    async startRelay() {
      if (relay) return;
      // The relay's own connection holds its lock and does its reads and marks, outside the request pool.
      const own = connectDatabase(options.databaseUrl, `streamshop-${module.name}-relay`, 1);
      relay = await startOutboxRelay(sql, own, options.bus, log, metrics, tracing).catch(async (error: unknown) => {
        await own.end({ timeout: 0 }).catch(() => {});
        throw error;
      });
    },
    drain() {
      const requests = started.close();
      const events = unsubscribe();
      return {
        [`${module.name} HTTP requests`]: () => requests,
        [`${module.name} event handling`]: () => events,
        // Last, so that it still publishes what the requests and events in flight commit.
        [`${module.name} outbox relay`]: async () => {
          await Promise.allSettled([requests, events]);
          await relay?.stop();
        },
        [`${module.name} retention`]: () => sweeping.stop(),
      };
    },
    async close(timeoutSeconds) {
      await sql.end({ timeout: timeoutSeconds });
      await tracing.shutdown().catch(() => {});
    },
  };
}
