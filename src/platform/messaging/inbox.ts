import type { Tx } from '../database/index.ts';
import type { EventEnvelope } from './events.ts';

/**
 * Records in `tx` that these events are handled, and answers which of them were new: an id already in the inbox was
 * handled by an earlier transaction, so its handler must not run again. Since the mark commits with the handler's
 * effect or not at all, an event is applied exactly once however often it is delivered.
 *
 * Ids are inserted in sorted order, so two transactions given the same events (two replicas, after a redelivery)
 * take their row locks in the same order and never wait for each other in a cycle. The subject lets an operator see
 * what a service handled about an order (admin/routes.ts).
 */
export async function recordInInbox(tx: Tx, events: EventEnvelope[]): Promise<Set<string>> {
  const sorted = [...events].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ids = sorted.map((event) => event.id);
  const types = sorted.map((event) => event.type);
  const subjects = sorted.map((event) => event.subject ?? null);
  const inserted = await tx<{ event_id: string }[]>`
    INSERT INTO inbox (event_id, event_type, subject)
    SELECT * FROM unnest(${ids}::uuid[], ${types}::text[], ${subjects}::text[])
    ON CONFLICT DO NOTHING RETURNING event_id`;
  return new Set(inserted.map((row) => row.event_id));
}
