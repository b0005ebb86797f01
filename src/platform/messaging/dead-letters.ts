import type { Logger } from 'pino';
import { redelivery } from './bus.ts';
import { createSubscription, type EventHandler } from './consumer.ts';
import type { Sql } from '../database/connection.ts';
import type { EventEnvelope } from './events.ts';
import { createMetrics, type ServiceMetrics } from '../observability/metrics.ts';
import { wakeRelay } from './relay.ts';
import type { PageRequest } from '../schemas/schemas.ts';
import type { Caller } from '../access/tokens.ts';
import { type Tracing, untraced } from '../observability/tracing.ts';
import { type Database, openDatabase } from '../database/transactions.ts';

/** waiting: neither replayed nor discarded; replayed: handled at last; discarded: settled by an operator, unhandled. */
export type DeadLetterState = 'waiting' | 'replayed' | 'discarded';

export interface DeadLetter {
  eventId: string;
  type: string;
  subject: string | null;
  error: string;
  attempts: number;
  failedAt: string;
  state: DeadLetterState;
  replayedAt: string | null;
  discarded: { at: string; by: { userId: string; email: string }; reason: string } | null;
  envelope: EventEnvelope;
}

/** The handlers a replay hands dead letters to: the service's own. */
type Consumer = { name: string; handlers: EventHandler[] };

/**
 * Hands one dead letter to the service's handlers once more, through the same inbox transaction as a delivery.
 * True when it was handled (it is then marked replayed); false when it failed again (it stays a dead letter with
 * its new error). Events it causes go to the outbox of `db`, whose commits wake the relay as any other commit does.
 */
export type Replay = (envelope: EventEnvelope) => Promise<boolean>;

export function deadLetterReplay(consumer: Consumer, db: Database, log: Logger, metrics: ServiceMetrics, tracing: Tracing = untraced): Replay {
  const subscription = createSubscription(consumer.name, db, consumer.handlers, log, metrics, tracing);
  return async (envelope) => {
    // The last attempt: a failure goes straight back to the dead letters instead of being retried.
    await subscription.handle(envelope, { attempt: redelivery.maxAttempts });
    const [handled] = await db.sql`SELECT 1 FROM inbox WHERE event_id = ${envelope.id}`;
    if (handled) await db.sql`UPDATE dead_letters SET replayed_at = now() WHERE event_id = ${envelope.id} AND replayed_at IS NULL`;
    log.info({ eventId: envelope.id, eventType: envelope.type, replayed: Boolean(handled) }, 'dead letter replayed');
    return Boolean(handled);
  };
}

export interface ReplayResult {
  replayed: number;
  failedAgain: number;
}

/**
 * Replays every waiting dead letter of a service (streamshop replay-dead-letters, beside the running service).
 * The running service's relay publishes what the replays appended to the outbox: it is told once, at the end.
 */
export async function replayDeadLetters(consumer: Consumer, sql: Sql, log: Logger): Promise<ReplayResult> {
  const replay = deadLetterReplay(consumer, openDatabase(sql, { 'outbox-appended': () => {} }), log, createMetrics(consumer.name));
  const waiting = await sql<{ envelope: EventEnvelope }[]>`
    SELECT envelope FROM dead_letters WHERE settled_at IS NULL ORDER BY failed_at`;
  const result: ReplayResult = { replayed: 0, failedAgain: 0 };
  for (const { envelope } of waiting) {
    if (await replay(envelope)) result.replayed++;
    else result.failedAgain++;
  }
  if (result.replayed > 0) await wakeRelay(sql);
  return result;
}

interface DeadLetterRow {
  event_id: string;
  event_type: string;
  envelope: EventEnvelope;
  error: string;
  attempts: number;
  failed_at: Date;
  replayed_at: Date | null;
  discarded_at: Date | null;
  discarded_by_user_id: string | null;
  discarded_by_email: string | null;
  discard_reason: string | null;
}

function toDeadLetter(row: DeadLetterRow): DeadLetter {
  const discarded =
    row.discarded_at && row.discarded_by_user_id && row.discarded_by_email && row.discard_reason !== null
      ? { at: row.discarded_at.toISOString(), by: { userId: row.discarded_by_user_id, email: row.discarded_by_email }, reason: row.discard_reason }
      : null;
  return {
    eventId: row.event_id,
    type: row.event_type,
    subject: typeof row.envelope?.subject === 'string' ? row.envelope.subject : null,
    error: row.error,
    attempts: row.attempts,
    failedAt: row.failed_at.toISOString(),
    // A dead letter handled after all is replayed, even if someone discarded it while it was being replayed.
    state: row.replayed_at ? 'replayed' : discarded ? 'discarded' : 'waiting',
    replayedAt: row.replayed_at?.toISOString() ?? null,
    discarded,
    envelope: row.envelope,
  };
}

const STATE_CONDITIONS: Record<DeadLetterState, string> = {
  waiting: 'settled_at IS NULL',
  replayed: 'replayed_at IS NOT NULL',
  discarded: 'replayed_at IS NULL AND discarded_at IS NOT NULL',
};

/** Dead letters, newest event first (event ids are time-ordered UUIDv7s), optionally in one state only. */
export async function listDeadLetters(sql: Sql, state: DeadLetterState | undefined, page: PageRequest): Promise<DeadLetter[]> {
  const inState = state ? sql.unsafe(`AND ${STATE_CONDITIONS[state]}`) : sql``;
  const after = page.cursor ? sql`AND event_id < ${page.cursor}` : sql``;
  const rows = await sql<DeadLetterRow[]>`
    SELECT * FROM dead_letters WHERE true ${inState} ${after} ORDER BY event_id DESC LIMIT ${page.limit}`;
  return rows.map(toDeadLetter);
}

export async function findDeadLetter(sql: Sql, eventId: string): Promise<DeadLetter | undefined> {
  const [row] = await sql<DeadLetterRow[]>`SELECT * FROM dead_letters WHERE event_id = ${eventId}`;
  return row ? toDeadLetter(row) : undefined;
}

/** The dead letters about one aggregate (the table is small: no index, a scan). */
export async function deadLettersAbout(sql: Sql, subject: string, limit: number): Promise<DeadLetter[]> {
  const rows = await sql<DeadLetterRow[]>`
    SELECT * FROM dead_letters WHERE envelope->>'subject' = ${subject} ORDER BY failed_at LIMIT ${limit}`;
  return rows.map(toDeadLetter);
}

/**
 * Settles a waiting dead letter without handling it, recording who did it and why. Undefined when it is not waiting
 * (any more): replayed or discarded already, or never there.
 */
export async function discardDeadLetter(sql: Sql, eventId: string, by: Caller, reason: string): Promise<DeadLetter | undefined> {
  const [row] = await sql<DeadLetterRow[]>`
    UPDATE dead_letters
    SET discarded_at = now(), discarded_by_user_id = ${by.userId}, discarded_by_email = ${by.email}, discard_reason = ${reason}
    WHERE event_id = ${eventId} AND settled_at IS NULL
    RETURNING *`;
  return row ? toDeadLetter(row) : undefined;
}
