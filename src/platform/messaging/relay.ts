import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Sql } from '../database/index.ts';
import type { ServiceMetrics, Tracing } from '../observability/index.ts';
import { backoffDelay, type Gate } from '../common/index.ts';
import type { Bus } from './bus.ts';
import { type OutboxRow, RELAY_BACKOFF, relayPublisher } from './relay-publisher.ts';
import { RELAY_CHANNEL } from './relay-wake.ts';

/** Rows taken from the outbox and not yet marked published (publishing, queued behind their aggregate, or awaiting the mark). */
const MAX_IN_FLIGHT = 256;
/** A safety net only: commits wake the relay (see relay-wake.ts). A standby relay also tries the lock this often. */
const SAFETY_POLL_MS = 2_000;
/** Only one relay per service database publishes at a time (a session lock of its own connection), which keeps commit order. */
const RELAY_LOCK = 7_270_002;

export interface OutboxRelay {
  /** New rows were committed: read them now. False when this relay is a standby (another process relays). */
  wake(): boolean;
  stop(): Promise<void>;
}

export interface OutboxRelayOptions {
  /** The service's pool: the relay listens on it for wake-ups from other processes. */
  sql: Sql;
  /** A client of one connection, the relay's alone: it holds the lock that makes this the database's one relay, and reads and marks the rows. */
  relayConnection: Sql;
  bus: Bus;
  log: Logger;
  metrics: ServiceMetrics;
  tracing: Tracing;
  /** While closed, publishing waits (the embedded default's stand-in for SIGSTOP). */
  gate?: Gate | undefined;
}

/**
 * Publishes committed outbox rows in commit order per aggregate and marks them published only after the bus
 * accepted them: a crash in between publishes them again, and consumers de-duplicate. Nothing holds a transaction
 * open while the bus works: a short read takes the unpublished rows not already in flight, the publisher sends them
 * (relay-publisher.ts), and new rows are read while earlier ones are still in flight, so a hop costs one publish,
 * not up to two batches. If the relay's connection is replaced (a database restart), its lock is gone with it: the
 * relay notices by the backend pid of its reads and takes the lock again before it publishes anything more.
 */
export async function startOutboxRelay(options: OutboxRelayOptions): Promise<OutboxRelay> {
  const { sql, relayConnection, log } = options;
  const stopping = new AbortController();
  const pause = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => {});
  const work = wakeSignal();
  /** The backend pid of relayConnection while it holds the lock; undefined while this relay is a standby. */
  let lockHolderPid: number | undefined;
  // Set when a read found no room: only then does a mark wake the loop. Waking it at every mark cost a read of the
  // outbox per mark, which found nothing new most of the time (commits wake the loop themselves).
  let waitingForRoom = false;
  const roomMade = () => {
    if (!waitingForRoom) return;
    waitingForRoom = false;
    work.signal();
  };
  const publisher = relayPublisher({ ...options, stopping: stopping.signal, wakeRelay: work.signal, roomMade });
  const listener = await sql.listen(RELAY_CHANNEL, () => {
    if (lockHolderPid !== undefined) work.signal();
  });

  async function takeLock(): Promise<number | undefined> {
    const [row] = await relayConnection<{ locked: boolean; pid: number }[]>`
      SELECT pg_try_advisory_lock(${RELAY_LOCK}) AS locked, pg_backend_pid() AS pid`;
    if (row?.locked) log.debug({ pid: row.pid }, 'outbox relay holds the lock');
    return row?.locked ? row.pid : undefined;
  }

  /** One turn of the loop: read what is new and hand it to the publisher. Throws when the database fails it. */
  async function relayOnce(): Promise<void> {
    lockHolderPid ??= await takeLock();
    if (lockHolderPid === undefined) return; // a standby: another process relays; try again at the next poll
    const room = MAX_IN_FLIGHT - publisher.inFlight();
    waitingForRoom = room <= 0;
    if (waitingForRoom) return; // the publisher wakes the loop when marks make room
    const rows = await relayConnection<OutboxRow[]>`
      SELECT seq, aggregate_id, envelope, pg_backend_pid() AS pid FROM outbox
      WHERE published_at IS NULL AND seq <> ALL(${publisher.inFlightSeqs()}::bigint[])
      ORDER BY seq LIMIT ${room}`;
    if (rows.length > 0 && rows[0]?.pid !== lockHolderPid) {
      log.warn('outbox relay lost its lock with its connection; taking it again');
      lockHolderPid = undefined;
      return work.signal();
    }
    publisher.publish(rows);
    if (rows.length === room) work.signal();
  }

  async function retryAfter(failures: number, message: string, error?: unknown): Promise<void> {
    log.warn({ err: error, failures }, message);
    await pause(backoffDelay(RELAY_BACKOFF, failures));
    work.signal();
  }

  const loop = (async () => {
    for (let failures = 0; !stopping.signal.aborted; ) {
      await work.next(SAFETY_POLL_MS);
      if (stopping.signal.aborted) break;
      if (publisher.failed()) {
        // Like a failed read: let the rest finish, then read again from the oldest unpublished row after a pause.
        await publisher.settle();
        if (stopping.signal.aborted) break;
        await retryAfter(++failures, 'outbox relay could not publish; retrying');
        continue;
      }
      try {
        await relayOnce();
        failures = 0;
      } catch (error) {
        if (stopping.signal.aborted) break;
        lockHolderPid = undefined;
        await retryAfter(++failures, 'outbox relay could not read the outbox; retrying', error);
      }
    }
  })();

  return {
    wake() {
      if (lockHolderPid === undefined || stopping.signal.aborted) return false;
      work.signal();
      return true;
    },
    async stop() {
      stopping.abort();
      work.signal();
      await loop;
      await publisher.settle();
      await listener.unlisten().catch(() => {});
      await relayConnection.end({ timeout: 5 }).catch(() => {});
    },
  };
}

/** "There is work": a signal that is remembered until the loop takes it, so none is lost between two waits. */
function wakeSignal() {
  let pending = true;
  let wake = () => {};
  return {
    signal(): void {
      pending = true;
      wake();
    },
    /**
     * Resolves when signalled (at once if a signal is pending; a stop signals too), or after `pollMs` anyway. The
     * timer is cleared when the signal comes first: under load the loop waits hundreds of times a second, and timers
     * left to run out (with a listener on the stop signal each) cost more than the reads they wait for.
     */
    async next(pollMs: number): Promise<void> {
      if (!pending) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => wake(), pollMs);
          wake = () => {
            clearTimeout(timer);
            wake = () => {};
            resolve();
          };
        });
      }
      pending = false;
    },
  };
}
