/**
 * Before the http style (which has no broker) starts on data another style left: the events still in the outboxes
 * are delivered first, through an in-process bus, to the services' handlers of the styles that have one, until every
 * outbox is empty. So switching to the http style finishes what the previous style had in flight, and loses nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { connectDatabase, migrate, openDatabase, type Sql } from './platform/database/index.ts';
import { createConsumer, createMemoryBus, type EventHandler, type OutboxRelay, outboxWrite, relayWaker, startOutboxRelay } from './platform/messaging/index.ts';
import { createMetrics, untraced } from './platform/observability/index.ts';
import { migrationsOf, type ServiceName, serviceNames } from './platform/runtime/index.ts';
import { services } from './services/index.ts';

const BROKER_STYLES = ['events', 'saga', 'hybrid'] as const;
const DRAIN_LIMIT_MS = 60_000;

/** Every handler a service has in any style with a broker, one per event type: whatever an outbox holds finds its handler. */
function anyStyleHandlers(service: ServiceName): EventHandler[] {
  const byType = new Map<string, EventHandler>();
  for (const style of BROKER_STYLES) for (const handler of services[service].handlers(style)) if (!byType.has(handler.event.type)) byType.set(handler.event.type, handler);
  return [...byType.values()];
}

async function unpublished(pools: Sql[]): Promise<number> {
  let rows = 0;
  for (const sql of pools) rows += (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`)[0]?.n ?? 0;
  return rows;
}

/** Delivers what the outboxes hold; resolves once they are empty (at once when they are). */
export async function drainOutboxes(databaseUrlOf: (service: ServiceName) => string, log: Logger): Promise<void> {
  const pools = serviceNames.map((name) => connectDatabase(databaseUrlOf(name), `streamshop-${name}-drain`, 2));
  // The handlers need today's tables: what the services would migrate at their start is migrated first.
  for (const [i, name] of serviceNames.entries()) await migrate(pools[i] as Sql, migrationsOf(services[name]), log);
  const left = await unpublished(pools);
  if (left === 0) return void (await Promise.all(pools.map((sql) => sql.end())));
  log.info({ events: left }, 'events left in the outboxes by another style are delivered before the http style starts');
  const bus = createMemoryBus();
  const relays: OutboxRelay[] = [];
  try {
    for (const [i, name] of serviceNames.entries()) {
      const sql = pools[i] as Sql;
      let relay: OutboxRelay | undefined;
      const db = openDatabase(sql, { onCommit: { [outboxWrite.name]: relayWaker(sql, () => relay) } });
      const metrics = createMetrics(`${name}-drain`);
      await bus.subscribe(createConsumer({ service: name, db, handlers: anyStyleHandlers(name), log, metrics, tracing: untraced }));
      relay = await startOutboxRelay({ sql, relayConnection: connectDatabase(databaseUrlOf(name), `streamshop-${name}-drain-relay`, 1), bus, log, metrics, tracing: untraced });
      relays.push(relay);
    }
    const giveUpAt = Date.now() + DRAIN_LIMIT_MS;
    while ((await unpublished(pools)) > 0 && Date.now() < giveUpAt) await sleep(100);
  } finally {
    for (const relay of relays) await relay.stop();
    await bus.close();
    await Promise.all(pools.map((sql) => sql.end()));
  }
}
