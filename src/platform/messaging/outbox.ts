import { type CommitWrite, queueForCommit, type Tx } from '../database/index.ts';
import type { EventEnvelope } from './events.ts';

/** The outbox's one write: all the events of a transaction in one INSERT, made before it commits. */
export const outboxWrite: CommitWrite<EventEnvelope> = {
  name: 'outbox',
  statements(tx, events) {
    const rows = events.map((event) => ({
      event_id: event.id,
      event_type: event.type,
      aggregate_id: event.subject,
      envelope: event as unknown as Record<string, never>,
    }));
    return [tx`INSERT INTO outbox ${tx(rows, 'event_id', 'event_type', 'aggregate_id', 'envelope')}`];
  },
};

/**
 * Records events in the transaction's outbox. They are written with the transaction (see CommitWrite), so they
 * exist exactly when the change they describe commits; the commit then wakes the outbox relay (see relay.ts), which
 * publishes them.
 */
export function appendToOutbox(tx: Tx, events: EventEnvelope[]): void {
  if (events.length > 0) queueForCommit(tx, outboxWrite, events);
}
