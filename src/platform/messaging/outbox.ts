import type { Tx } from '../database/connection.ts';
import { writeInTransaction } from '../batching/deferred-writes.ts';
import type { EventEnvelope } from './events.ts';
import { afterCommit } from '../database/transactions.ts';

/**
 * Records events in the caller's transaction: they exist exactly when the change they describe commits, and the
 * commit wakes the outbox relay (see outbox-relay.ts). In a consumer's batch, the events of all its handlers are
 * written in one INSERT at the end (see deferred-writes.ts).
 */
export async function appendToOutbox(tx: Tx, events: EventEnvelope[]): Promise<void> {
  if (events.length === 0) return;
  afterCommit(tx, 'outbox-appended');
  await writeInTransaction(tx, insertIntoOutbox, events);
}

async function insertIntoOutbox(tx: Tx, events: EventEnvelope[]): Promise<void> {
  const rows = events.map((e) => ({
    event_id: e.id,
    event_type: e.type,
    aggregate_id: e.subject,
    envelope: e as unknown as Record<string, never>,
  }));
  await tx`INSERT INTO outbox ${tx(rows, 'event_id', 'event_type', 'aggregate_id', 'envelope')}`;
}
