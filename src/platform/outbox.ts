import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Bus } from './bus.ts';
import type { Sql, Tx } from './db.ts';
import type { EventEnvelope } from './events.ts';
import type { ServiceMetrics } from './metrics.ts';

/** Records events in the caller's transaction: they exist exactly when the change they describe commits. */
export async function appendToOutbox(tx: Tx, events: EventEnvelope[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((e) => ({
    event_id: e.id,
    event_type: e.type,
    aggregate_id: e.subject,
    envelope: e as unknown as Record<string, never>,
  }));
  await tx`INSERT INTO outbox ${tx(rows, 'event_id', 'event_type', 'aggregate_id', 'envelope')}`;
}

interface OutboxRow {
  seq: string;
  aggregate_id: string;
  envelope: EventEnvelope;
}

const BATCH_SIZE = 200;
/** A safety net only: commits wake the relay through NOTIFY. */
const SAFETY_POLL_MS = 2_000;
/** Only one relay per service database publishes at a time, which keeps commit order. */
const RELAY_LOCK = 7_270_002;

export interface OutboxRelay {
  stop(): Promise<void>;
}

/**
 * Publishes committed outbox rows in commit order per aggregate and marks them published only
 * after the bus accepted them. A crash in between publishes them again; consumers de-duplicate.
 */
export async function startOutboxRelay(sql: Sql, bus: Bus, log: Logger, metrics: ServiceMetrics): Promise<OutboxRelay> {
  let stopped = false;
  let pending = true;
  let wake = () => {};
  const woken = () => new Promise<void>((resolve) => (wake = resolve));

  const listener = await sql.listen('outbox', () => {
    pending = true;
    wake();
  });

  /** Returns how many rows it took; marks the published ones even when others failed, then reports the failure. */
  async function relayBatch(): Promise<number> {
    const { taken, failed } = await sql.begin(async (tx) => {
      const [lock] = await tx<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${RELAY_LOCK}) AS locked`;
      if (!lock?.locked) return { taken: 0, failed: 0 };
      const rows = await tx<OutboxRow[]>`
        SELECT seq, aggregate_id, envelope FROM outbox
        WHERE published_at IS NULL ORDER BY seq LIMIT ${BATCH_SIZE}`;
      if (rows.length === 0) return { taken: 0, failed: 0 };
      const published = await publishInAggregateOrder(rows, bus, log, metrics);
      if (published.length > 0) {
        await tx`UPDATE outbox SET published_at = now() WHERE seq = ANY(${published}::bigint[])`;
      }
      return { taken: rows.length, failed: rows.length - published.length };
    });
    if (failed > 0) throw new Error(`${failed} events not accepted by the bus`);
    return taken;
  }

  const loop = (async () => {
    let failures = 0;
    while (!stopped) {
      if (!pending) await Promise.race([woken(), sleep(SAFETY_POLL_MS)]);
      pending = false;
      try {
        while (!stopped && (await relayBatch()) === BATCH_SIZE);
        failures = 0;
      } catch (error) {
        if (stopped) break;
        failures++;
        log.warn({ err: error, failures }, 'outbox relay could not publish; retrying');
        pending = true;
        await sleep(Math.min(100 * 2 ** failures, 5_000));
      }
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake();
      await loop;
      await listener.unlisten().catch(() => {});
    },
  };
}

/** Aggregates are independent, so they go out concurrently; within one, events go one after another. */
async function publishInAggregateOrder(
  rows: OutboxRow[],
  bus: Bus,
  log: Logger,
  metrics: ServiceMetrics,
): Promise<string[]> {
  const byAggregate = new Map<string, OutboxRow[]>();
  for (const row of rows) {
    const list = byAggregate.get(row.aggregate_id) ?? [];
    list.push(row);
    byAggregate.set(row.aggregate_id, list);
  }
  const published: string[] = [];
  await Promise.all(
    [...byAggregate.values()].map(async (list) => {
      for (const row of list) {
        try {
          await bus.publish(row.envelope);
        } catch (error) {
          log.warn({ err: error, eventId: row.envelope.id, correlationId: row.envelope.correlationid }, 'publish failed');
          return;
        }
        published.push(row.seq);
        metrics.eventsPublished.inc({ type: row.envelope.type });
      }
    }),
  );
  return published;
}
