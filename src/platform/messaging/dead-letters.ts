import type { Logger } from 'pino';
import { type Database, openDatabase, type Sql } from '../database/index.ts';
import { createMetrics, type ServiceMetrics, type Tracing, untraced } from '../observability/index.ts';
import type { PageRequest } from '../schemas/index.ts';
import type { Caller } from '../access/index.ts';
import { type Delivery, redelivery } from './bus.ts';
import { createConsumer } from './consumer.ts';
import type { EventEnvelope } from './events.ts';
import type { EventHandler } from './handlers.ts';
import { outboxWrite } from './outbox.ts';
import { wakeRelay } from './relay-wake.ts';

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

/** Keeps an event that failed every attempt (or can never be handled), with the last error, for an operator. */
export async function recordDeadLetter(sql: Sql, { event, attempt }: Delivery, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  await sql`
    INSERT INTO dead_letters (event_id, event_type, envelope, error, attempts)
    VALUES (${event.id}, ${event.type}, ${sql.json(event as never)}, ${message}, ${attempt})
    ON CONFLICT (event_id) DO UPDATE SET error = EXCLUDED.error, attempts = EXCLUDED.attempts,
      failed_at = now(), replayed_at = NULL`;
}

/**
 * Hands one dead letter to the service's handlers once more, through the same inbox transaction as a delivery.
 * True when it was handled (it is then marked replayed); false when it failed again (it stays a dead letter with
 * its new error). Events it causes go to the outbox of `db`, whose commits wake the relay as any other commit does.
 */
export type Replay = (envelope: EventEnvelope) => Promise<boolean>;

export interface ReplayOptions {
  /** The service, and its handlers: the dead letters go back to them. */
  service: string;
  handlers: EventHandler[];
  db: Database;
  log: Logger;
  metrics: ServiceMetrics;
  tracing?: Tracing;
}

export function deadLetterReplay(options: ReplayOptions): Replay {
  // The plain path: a replay is one event, and an operator waits for its answer.
  const consumer = createConsumer({ ...options, tracing: options.tracing ?? untraced });
  const { sql } = options.db;
  return async (envelope) => {
    // The last attempt: a failure goes straight back to the dead letters instead of being retried.
    await consumer.handle({ event: envelope, attempt: redelivery.maxAttempts });
    const [handled] = await sql`SELECT 1 FROM inbox WHERE event_id = ${envelope.id}`;
    if (handled) await sql`UPDATE dead_letters SET replayed_at = now() WHERE event_id = ${envelope.id} AND replayed_at IS NULL`;
    options.log.info({ eventId: envelope.id, eventType: envelope.type, replayed: Boolean(handled) }, 'dead letter replayed');
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
export async function replayDeadLetters(service: { name: string; handlers: EventHandler[] }, sql: Sql, log: Logger): Promise<ReplayResult> {
  let appended = false;
  const db = openDatabase(sql, { onCommit: { [outboxWrite.name]: () => (appended = true) } });
  const replay = deadLetterReplay({ service: service.name, handlers: service.handlers, db, log, metrics: createMetrics(service.name) });
  const waiting = await sql<{ envelope: EventEnvelope }[]>`
    SELECT envelope FROM dead_letters WHERE settled_at IS NULL ORDER BY failed_at`;
  const result: ReplayResult = { replayed: 0, failedAgain: 0 };
  for (const { envelope } of waiting) {
    if (await replay(envelope)) result.replayed++;
    else result.failedAgain++;
  }
  if (appended) await wakeRelay(sql);
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
