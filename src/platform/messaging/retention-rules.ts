import type { RetentionRule } from '../database/index.ts';

/** How long the messaging tables keep rows, in ms (see RetentionConfig in config.ts for why these defaults). */
export interface MessagingRetention {
  outbox: number;
  inbox: number;
  idempotencyKeys: number;
  deadLetters: number;
}

/**
 * The platform's rules: published outbox rows, inbox ids, idempotency keys, and dead letters that were settled
 * (replayed or discarded). Unpublished outbox rows and dead letters still waiting are never removed.
 */
export function messagingRules(keep: MessagingRetention): RetentionRule[] {
  return [
    { table: 'outbox', timestamp: 'published_at', where: 'published_at IS NOT NULL', keepMs: keep.outbox, oldestFirstBy: 'seq' },
    // Event ids are UUIDv7s, in the order the events were made; handled_at still decides (one may come late).
    { table: 'inbox', timestamp: 'handled_at', keepMs: keep.inbox, oldestFirstBy: 'event_id' },
    { table: 'idempotency_keys', timestamp: 'created_at', keepMs: keep.idempotencyKeys },
    // Settled: replayed, or discarded by an operator (settled_at is whichever came first; see migration 003).
    { table: 'dead_letters', timestamp: 'settled_at', where: 'settled_at IS NOT NULL', keepMs: keep.deadLetters },
  ];
}
