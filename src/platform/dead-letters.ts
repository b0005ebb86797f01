import type { Logger } from 'pino';
import { redelivery } from './bus.ts';
import { createSubscription } from './consumer.ts';
import type { Sql } from './db.ts';
import type { EventEnvelope } from './events.ts';
import { createMetrics } from './metrics.ts';
import { wakeRelay } from './outbox-relay.ts';
import { createTracing } from './tracing.ts';
import { openDatabase } from './transactions.ts';
import type { ServiceModule } from './service.ts';

export interface ReplayResult {
  replayed: number;
  failedAgain: number;
}

/**
 * Hands every waiting dead letter of a service to its handler once more, through the same inbox
 * transaction as a delivery. One that succeeds is marked replayed; one that fails again stays a dead
 * letter with its new error. Events it causes go to the outbox, which the running service publishes.
 */
export async function replayDeadLetters(module: ServiceModule, sql: Sql, log: Logger): Promise<ReplayResult> {
  // The replays' events are announced to the running service's relay once, at the end.
  const db = openDatabase(sql, { 'outbox-appended': () => {} });
  const subscription = createSubscription(module.name, db, module.handlers, log, createMetrics(module.name), createTracing(module.name, undefined));
  const waiting = await sql<{ envelope: EventEnvelope }[]>`
    SELECT envelope FROM dead_letters WHERE replayed_at IS NULL ORDER BY failed_at`;
  const result: ReplayResult = { replayed: 0, failedAgain: 0 };
  for (const { envelope } of waiting) {
    // The last attempt: a failure goes straight back to the dead letters instead of being retried.
    await subscription.handle(envelope, { attempt: redelivery.maxAttempts });
    const [handled] = await sql`SELECT 1 FROM inbox WHERE event_id = ${envelope.id}`;
    if (handled) {
      await sql`UPDATE dead_letters SET replayed_at = now() WHERE event_id = ${envelope.id}`;
      result.replayed++;
    } else {
      result.failedAgain++;
    }
    log.info({ eventId: envelope.id, eventType: envelope.type, replayed: Boolean(handled) }, 'dead letter replayed');
  }
  // The running service's relay publishes what the replays appended to the outbox: tell it now, not at its next poll.
  if (result.replayed > 0) await wakeRelay(sql);
  return result;
}
