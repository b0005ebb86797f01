import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Bus } from './bus.ts';
import type { Sql } from '../database/connection.ts';
import type { EventEnvelope } from './events.ts';
import type { ServiceMetrics } from '../observability/metrics.ts';
import { orderedPerKey } from '../runtime/per-key.ts';
import { SpanKind, type Tracing } from '../observability/tracing.ts';

interface OutboxRow {
  seq: string;
  aggregate_id: string;
  envelope: EventEnvelope;
  /** the backend that read the row: the relay only publishes what its lock-holding connection read */
  pid: number;
}

/** Rows taken from the outbox and not yet marked published (publishing, queued behind their aggregate, or awaiting the mark). */
const MAX_IN_FLIGHT = 256;
/** Marks wait this long for company (unless many are waiting): one UPDATE for many events, not one each. */
const MARK_DELAY_MS = 10;
const MARK_BATCH = 128;
/** A safety net only: commits wake the relay (see relayWaker). A standby relay also tries the lock this often. */
const SAFETY_POLL_MS = 2_000;
/** Only one relay per service database publishes at a time (a session lock of its own connection), which keeps commit order. */
const RELAY_LOCK = 7_270_002;

export interface OutboxRelay {
  /** New rows were committed: read them now. False when this relay is a standby (another process relays). */
  wake(): boolean;
  stop(): Promise<void>;
}

/** The channel on which processes without the leading relay tell it that rows were committed. */
const CHANNEL = 'outbox';

/** Tells the relay of the database, wherever it runs, that rows were committed. */
export async function wakeRelay(sql: Sql): Promise<void> {
  await sql`SELECT pg_notify(${CHANNEL}, '')`;
}

/**
 * What a commit that appended to the outbox does: wake the process's own relay when it leads (no database work at
 * all), otherwise the leader elsewhere, by a NOTIFY sent after the commit. Those are coalesced: while one is on its
 * way, later commits share the one sent after it. A NOTIFY inside each transaction (a trigger) would do the same,
 * but PostgreSQL serialises the commits of notifying transactions on one lock. A process that ends between a
 * commit and its wake leaves the rows to the relay's safety poll.
 */
export function relayWaker(sql: Sql, localRelay: () => OutboxRelay | undefined): () => void {
  let notifying = false;
  let again = false;
  const notify = () => {
    if (notifying) {
      again = true;
      return;
    }
    notifying = true;
    wakeRelay(sql)
      .catch(() => {}) // the database is away: the relay's safety poll reads the rows when it is back
      .finally(() => {
        notifying = false;
        if (again) {
          again = false;
          notify();
        }
      });
  };
  return () => {
    if (!localRelay()?.wake()) notify();
  };
}

/**
 * Publishes committed outbox rows in commit order per aggregate and marks them published only
 * after the bus accepted them. A crash in between publishes them again; consumers de-duplicate.
 *
 * `own` is a client of one connection, used by the relay alone: it holds the session advisory lock that makes
 * this the one relay of the database, and it reads and marks the rows. Nothing holds a transaction open while the
 * bus works: a short read takes the unpublished rows not already in flight, each is published as soon as the
 * previous event of its aggregate was accepted (aggregates are independent, so they go out concurrently),
 * and the published ones are marked by a separate short UPDATE. New rows are read while earlier ones are still
 * in flight, so a hop costs one publish, not up to two batches.
 * If the connection is replaced (a database restart), the lock is gone with it: the relay notices by the backend
 * pid of its reads and takes the lock again before it publishes anything more.
 */
export async function startOutboxRelay(sql: Sql, own: Sql, bus: Bus, log: Logger, metrics: ServiceMetrics, tracing: Tracing): Promise<OutboxRelay> {
  let stopped = false;
  const stopping = new AbortController();
  /** A pause between retries that a stop ends at once. */
  const pause = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => {});
  let pending = true;
  let wake = () => {};
  const woken = () => new Promise<void>((resolve) => (wake = resolve));
  const signal = () => {
    pending = true;
    wake();
  };
  /** The backend pid of `own` while it holds the lock; undefined while this relay is a standby. */
  let leader: number | undefined;
  /** The loop waits for room: a mark that frees some wakes it. */
  let full = false;

  const listener = await sql.listen(CHANNEL, () => {
    if (leader !== undefined) signal();
  });

  const inFlight = new Set<string>();
  /** Each aggregate's events are published in order; one whose publish failed publishes nothing more until a retry. */
  const publishing = orderedPerKey();
  let toMark: string[] = [];
  let marking: Promise<void> | undefined;

  function enqueue(row: OutboxRow): void {
    inFlight.add(row.seq);
    const publish = async () => {
      const span = tracing.start(`publish ${row.envelope.type}`, SpanKind.PRODUCER, row.envelope.traceparent, { 'messaging.message.id': row.envelope.id });
      try {
        await bus.publish(row.envelope);
        span?.end();
      } catch (error) {
        span?.end({ error });
        inFlight.delete(row.seq);
        // A bus that is away or closing refuses everything: the loop's retry warns once, not once per event.
        if (!stopped && bus.isReady()) log.warn({ err: error, eventId: row.envelope.id, correlationId: row.envelope.correlationid }, 'publish failed');
        signal();
        throw error;
      }
      metrics.eventsPublished.inc({ type: row.envelope.type });
      toMark.push(row.seq);
      marking ??= markPublished();
    };
    publishing.add(row.aggregate_id, publish, () => inFlight.delete(row.seq));
  }

  /** Marks what the bus accepted, in as few statements as the pace allows; a failed mark is retried (the rows stay in flight). */
  async function markPublished(): Promise<void> {
    let failures = 0;
    while (toMark.length > 0) {
      if (toMark.length < MARK_BATCH && !stopped) await sleep(MARK_DELAY_MS);
      const seqs = toMark;
      toMark = [];
      try {
        await own`UPDATE outbox SET published_at = now() WHERE seq = ANY(${seqs}::bigint[])`;
        failures = 0;
        for (const seq of seqs) inFlight.delete(seq);
        if (full) signal();
      } catch (error) {
        toMark.push(...seqs);
        if (stopped) break; // they stay unpublished and go out again at the next start
        failures++;
        log.warn({ err: error, failures }, 'outbox relay could not mark published events; retrying');
        await pause(Math.min(100 * 2 ** failures, 5_000));
      }
    }
    marking = undefined;
  }

  async function lead(): Promise<number | undefined> {
    const [row] = await own<{ locked: boolean; pid: number }[]>`SELECT pg_try_advisory_lock(${RELAY_LOCK}) AS locked, pg_backend_pid() AS pid`;
    if (!row?.locked) return undefined;
    log.debug({ pid: row.pid }, 'outbox relay holds the lock');
    return row.pid;
  }

  const loop = (async () => {
    let failures = 0;
    while (!stopped) {
      if (!pending) await Promise.race([woken(), pause(SAFETY_POLL_MS)]);
      if (stopped) break;
      pending = false;
      try {
        if (publishing.isBroken()) {
          // Like a failed batch: let the rest finish, then start again from the oldest unpublished row after a pause.
          await publishing.settle();
          publishing.reset();
          failures++;
          if (stopped) break;
          log.warn({ failures }, 'outbox relay could not publish; retrying');
          await pause(Math.min(100 * 2 ** failures, 5_000));
          pending = true;
          continue;
        }
        if (leader === undefined) {
          leader = await lead();
          if (leader === undefined) continue; // a standby: another process relays; try again at the next poll
        }
        const room = MAX_IN_FLIGHT - inFlight.size;
        full = room <= 0;
        if (full) continue;
        const rows = await own<OutboxRow[]>`
          SELECT seq, aggregate_id, envelope, pg_backend_pid() AS pid FROM outbox
          WHERE published_at IS NULL AND seq <> ALL(${[...inFlight]}::bigint[])
          ORDER BY seq LIMIT ${room}`;
        if (rows.length > 0 && rows[0]?.pid !== leader) {
          log.warn('outbox relay lost its lock with its connection; taking it again');
          leader = undefined;
          pending = true;
          continue;
        }
        for (const row of rows) enqueue(row);
        if (rows.length === room) pending = true;
        failures = 0;
      } catch (error) {
        if (stopped) break;
        leader = undefined;
        failures++;
        log.warn({ err: error, failures }, 'outbox relay could not read the outbox; retrying');
        pending = true;
        await pause(Math.min(100 * 2 ** failures, 5_000));
      }
    }
  })();

  return {
    wake() {
      if (leader === undefined || stopped) return false;
      signal();
      return true;
    },
    async stop() {
      stopped = true;
      stopping.abort();
      wake();
      await loop;
      await publishing.settle();
      await marking;
      await listener.unlisten().catch(() => {});
      await own.end({ timeout: 5 }).catch(() => {});
    },
  };
}
