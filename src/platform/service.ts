import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Bus } from './bus.ts';
import type { ServiceName } from './config.ts';
import { connectDatabase, migrate, type Sql } from './db.ts';
import { createSubscription, type EventHandler } from './consumer.ts';
import { type App, createHttpApp } from './http.ts';
import { createMetrics, type ServiceMetrics } from './metrics.ts';
import { type OutboxRelay, startOutboxRelay, wakeRelayOnCommit } from './outbox.ts';
import type { StopTasks } from './shutdown.ts';

export interface ServiceDeps {
  sql: Sql;
  log: Logger;
  metrics: ServiceMetrics;
}

/** Everything a service is, as data: the runtime below starts every service the same way. */
export interface ServiceModule {
  name: ServiceName;
  description: string;
  migrations: URL;
  routes(app: App, deps: ServiceDeps): Promise<void> | void;
  handlers: EventHandler[];
}

export interface RunningService {
  name: ServiceName;
  app: App;
  sql: Sql;
  startRelay(): Promise<void>;
  /**
   * The graceful stop, as tasks to run together under a deadline (see shutdown.ts): no more requests (those in
   * flight finish; waiting `Prefer: wait` requests answer at once), no more events (those being handled finish),
   * and the outbox relay stopped. The pool stays open for them: close it after.
   */
  drain(): StopTasks;
  /** Ends the pool: gracefully after drain(), or at once (`timeoutSeconds` 0) to cut the queries still running. */
  close(timeoutSeconds: number): Promise<void>;
}

const platformMigrations = new URL('./migrations/', import.meta.url);
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
    poolSize?: number;
    /** False while the database is known to be down (the embedded PostgreSQL's supervisor knows it at once). */
    isUp?: () => boolean;
  },
): Promise<RunningService> {
  const log = options.log.child({ service: module.name });
  const sql = connectDatabase(options.databaseUrl, `streamshop-${module.name}`, options.poolSize);
  let relay: OutboxRelay | undefined;
  // Use cases and consumers commit through `sql`; each commit wakes the relay (ours, or the leading one elsewhere).
  wakeRelayOnCommit(sql, () => relay);
  const metrics = createMetrics(module.name);
  let app: App | undefined;
  let unsubscribe = async () => {};
  try {
    await migrate(sql, [platformMigrations, module.migrations], log);

    metrics.pendingGauge('outbox_unpublished_events', 'Events committed but not yet accepted by the bus', async () => {
      const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`;
      return row?.n ?? 0;
    });
    metrics.pendingGauge('dead_letters_waiting', 'Events that failed every attempt and wait for a replay', async () => {
      const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM dead_letters WHERE replayed_at IS NULL`;
      return row?.n ?? 0;
    });

    const isReady = async () => {
      if (!options.bus.isReady() || options.isUp?.() === false) return false;
      // A probe gets an answer, never a hang: a pool that cannot run a query this soon is not ready.
      const answered = sql`SELECT 1`.then(() => true, () => false);
      return Promise.race([answered, sleep(READY_CHECK_MS, false, { ref: false })]);
    };
    app = await createHttpApp({ service: module.name, description: module.description, log, metrics, isReady }, (scoped) =>
      module.routes(scoped, { sql, log, metrics }),
    );
    await app.ready();

    if (module.handlers.length) unsubscribe = await options.bus.subscribe(createSubscription(module.name, sql, module.handlers, log, metrics));
  } catch (error) {
    // Nothing started may outlive a failed start: the pool (and its LISTEN connection) would keep the process alive.
    await unsubscribe().catch(() => {});
    await app?.close().catch(() => {});
    await sql.end({ timeout: 0 }).catch(() => {});
    throw error;
  }
  const started = app;

  return {
    name: module.name,
    app: started,
    sql,
    async startRelay() {
      if (relay) return;
      // The relay's own connection holds its lock and does its reads and marks, outside the request pool.
      const own = connectDatabase(options.databaseUrl, `streamshop-${module.name}-relay`, 1);
      relay = await startOutboxRelay(sql, own, options.bus, log, metrics).catch(async (error: unknown) => {
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
      };
    },
    close: (timeoutSeconds) => sql.end({ timeout: timeoutSeconds }),
  };
}
