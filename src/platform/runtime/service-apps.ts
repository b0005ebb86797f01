import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { adminRoutes } from '../admin/index.ts';
import { type Database, registerRetentionGauges, type RetentionRule, type Sql } from '../database/index.ts';
import { type App, createHttpApp } from '../http/index.ts';
import { deadLetterReplay } from '../messaging/index.ts';
import type { ServiceMetrics, Tracing } from '../observability/index.ts';
import type { ServiceModule, ServiceRuntime, StartServiceOptions } from './service.ts';
import { calledServices } from './styles.ts';

/** Under the 2 s timeout of the Kubernetes readiness probes (deploy/k8s/app). */
const READY_CHECK_MS = 1_500;

export interface ServiceAppParts {
  db: Database;
  log: Logger;
  metrics: ServiceMetrics;
  tracing: Tracing;
  runtime: ServiceRuntime;
  options: StartServiceOptions;
}

/** The service's public app: its own routes, the operators' routes, health with the process's settings. */
export async function serviceApp(module: ServiceModule, { db, log, metrics, tracing, runtime, options }: ServiceAppParts): Promise<App> {
  const { sql } = db;
  const isReady = async () => {
    if ((options.bus && !options.bus.isReady()) || options.isUp?.() === false) return false;
    // A probe gets an answer, never a hang: a pool that cannot run a query this soon is not ready.
    const answered = sql`SELECT 1`.then(() => true, () => false);
    return Promise.race([answered, sleep(READY_CHECK_MS, false, { ref: false })]);
  };
  const replay = deadLetterReplay({ service: module.name, handlers: module.handlers(options.style), db, log, metrics, tracing });
  const health = { isReady, settings: { MESSAGE_BATCHING: options.messageBatching, INTERACTION_STYLE: options.style } };
  const appOptions = { service: module.name, description: module.description, log, metrics, tracing, access: { verifier: options.verifier }, health, ...(options.gate ? { gate: options.gate } : {}) };
  const app = await createHttpApp(appOptions, async (scoped) => {
    await runtime.routes(scoped);
    adminRoutes(scoped, { db, replay, log });
  });
  // preClose, not onClose: requests waiting with `Prefer: wait` must answer before the server can finish closing.
  if (runtime.close) app.addHook('preClose', runtime.close);
  await app.ready();
  return app;
}

/**
 * The service's internal endpoints, on an app of their own (served on INTERNAL_PORT, never on the public port), when
 * its style has services that call it; undefined otherwise.
 */
export async function internalApp(module: ServiceModule, { log, metrics, tracing, runtime, options }: ServiceAppParts): Promise<App | undefined> {
  const { internalRoutes } = runtime;
  if (!internalRoutes || !calledServices(options.style).includes(module.name)) return undefined;
  const access = { verifier: options.verifier, internal: { service: module.name, credentials: options.internal.credentials } };
  const description = `The internal endpoints of ${module.name}: other services call them in the ${options.style} style, with a service credential.`;
  const app = await createHttpApp({ service: module.name, description, log, metrics, tracing, access, ...(options.gate ? { gate: options.gate } : {}) }, internalRoutes);
  await app.ready();
  return app;
}

/** Gauges read from the database when /metrics is scraped: what waits in the outbox and the dead letters, what the tables keep. */
export function registerMessagingGauges(sql: Sql, metrics: ServiceMetrics, rules: RetentionRule[]): void {
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
