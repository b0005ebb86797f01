import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Sql } from './connection.ts';
import type { ServiceMetrics } from '../observability/index.ts';

/** Rows of `table` whose `timestamp` is older than `keepMs`, among those `where` selects, may go. */
export interface RetentionRule {
  table: string;
  timestamp: string;
  /** An SQL condition on the rows that may go at all (a literal of the code, never of a request). */
  where?: string;
  keepMs: number;
  /**
   * A key that grows with time (a sequence, a UUIDv7), indexed: each batch then looks only at the oldest rows by
   * it, without an index on `timestamp` and without scanning a table that holds a day of events. Without one,
   * `timestamp` must be indexed.
   */
  oldestFirstBy?: string;
}

/** Rows deleted per statement: each is a short transaction of its own, so no lock is held for long. */
const BATCH = 1_000;
/** Work runs at least this often, and twice per shortest retention when that is shorter (tests use seconds). */
const MAX_INTERVAL_MS = 60_000;
/** Every process of a service may run the worker; the one that takes this lock for a batch does it. */
const RETENTION_LOCK = 7_270_003;

/**
 * Deletes what the rules let go, in small batches, while the service runs. Replicas share the work safely: a batch
 * runs only under a transaction-level advisory lock, which a concurrent batch elsewhere does not wait for.
 */
export function startRetention(sql: Sql, rules: RetentionRule[], log: Logger, metrics: ServiceMetrics): { stop(): Promise<void> } {
  const stopping = new AbortController();
  const interval = Math.min(MAX_INTERVAL_MS, ...rules.map((rule) => Math.max(500, rule.keepMs / 2)));

  /** One batch of one rule; the rows it deleted, or undefined when another process holds the lock. */
  async function deleteBatch(rule: RetentionRule): Promise<number | undefined> {
    return sql.begin(async (tx) => {
      const [lock] = await tx<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK}) AS locked`;
      if (!lock?.locked) return undefined;
      const condition = rule.where ? tx.unsafe(`AND ${rule.where}`) : tx``;
      const expired = tx`${tx(rule.timestamp)} < now() - make_interval(secs => ${rule.keepMs / 1000}) ${condition}`;
      const deleted = rule.oldestFirstBy
        ? await tx`
            WITH oldest AS (SELECT ${tx(rule.oldestFirstBy)} AS key FROM ${tx(rule.table)} ORDER BY 1 LIMIT ${BATCH})
            DELETE FROM ${tx(rule.table)} t USING oldest WHERE t.${tx(rule.oldestFirstBy)} = oldest.key AND ${expired}`
        : await tx`
            DELETE FROM ${tx(rule.table)} WHERE ctid = ANY(ARRAY(
              SELECT ctid FROM ${tx(rule.table)} WHERE ${expired} LIMIT ${BATCH}))`;
      return deleted.count;
    });
  }

  async function sweep(): Promise<void> {
    for (const rule of rules) {
      for (;;) {
        if (stopping.signal.aborted) return;
        const deleted = await deleteBatch(rule);
        if (deleted === undefined) return; // another process sweeps now
        if (deleted > 0) metrics.retentionDeleted.inc({ table: rule.table }, deleted);
        // Oldest first: a batch that deleted less than it looked at has reached rows still kept.
        if (deleted < BATCH) break;
      }
    }
  }

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      await sweep().catch((error: unknown) => {
        if (!stopping.signal.aborted) log.warn({ err: error }, 'retention could not delete old rows; trying again later');
      });
      await sleep(interval, undefined, { signal: stopping.signal }).catch(() => {});
    }
  })();

  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}

/**
 * Gauges of the messaging tables, read when /metrics is scraped: rows kept per table (PostgreSQL's live-row
 * statistics, not a count, which a large table would pay for at every scrape) and the age of the oldest event
 * still waiting in the outbox.
 */
export function registerRetentionGauges(sql: Sql, tables: string[], metrics: ServiceMetrics): void {
  metrics.tableRowsGauge(async () => {
    const rows = await sql<{ table: string; rows: string }[]>`
      SELECT relname AS table, n_live_tup AS rows FROM pg_stat_user_tables WHERE relname = ANY(${tables})`;
    return rows.map((row) => ({ table: row.table, rows: Number(row.rows) }));
  });
  metrics.pendingGauge('outbox_oldest_unpublished_seconds', 'Age of the oldest event committed but not yet accepted by the bus (0 when none waits)', async () => {
    const [row] = await sql<{ age: number | null }[]>`
      SELECT extract(epoch FROM now() - created_at)::float8 AS age FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT 1`;
    return row?.age ?? 0;
  });
}
