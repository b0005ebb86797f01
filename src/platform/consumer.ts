import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { Logger } from 'pino';
import { redelivery, type Subscription } from './bus.ts';
import { isDatabaseUnavailable, type Sql, type Tx } from './db.ts';
import type { EventDefinition, EventEnvelope, FlowContext } from './events.ts';
import type { ServiceMetrics } from './metrics.ts';

export interface HandlerContext {
  tx: Tx;
  event: EventEnvelope;
  /** The flow the event belongs to; events the handler causes carry it on. */
  flow: FlowContext;
  log: Logger;
}

/** "Like an API route, but for the broker": validates the event's data, then calls a use case. */
export interface EventHandler {
  event: EventDefinition;
  handle(data: unknown, context: HandlerContext): Promise<void>;
}

export function on<S extends TSchema>(
  event: EventDefinition<S>,
  handle: (data: Static<S>, context: HandlerContext) => Promise<void>,
): EventHandler {
  return { event, handle: handle as EventHandler['handle'] };
}

class MalformedEvent extends Error {}

/**
 * Turns a service's handlers into one durable subscription. Each delivery runs in one transaction
 * that first records the event id in the inbox: a redelivered event finds its id and changes nothing.
 * After the last attempt the event goes to dead_letters (same database), so the ones behind it move on.
 */
export function createSubscription(
  service: string,
  sql: Sql,
  handlers: EventHandler[],
  log: Logger,
  metrics: ServiceMetrics,
): Subscription {
  const byType = new Map(handlers.map((h) => [h.event.type, { ...h, validator: Compile(h.event.data) }]));

  return {
    consumer: service,
    eventTypes: [...byType.keys()],
    async handle(event, { attempt }) {
      const handler = byType.get(event.type);
      const eventLog = log.child({ correlationId: event.correlationid, eventId: event.id, eventType: event.type, attempt });
      const count = (outcome: string) => metrics.eventsHandled.inc({ type: event.type, outcome });
      try {
        if (!handler) throw new MalformedEvent(`no handler for ${event.type}`);
        if (!handler.validator.Check(event.data)) {
          const errors = [...handler.validator.Errors(event.data)].map((e) => `${e.instancePath} ${e.message}`);
          throw new MalformedEvent(`invalid data: ${errors.join('; ')}`);
        }
        const handled = await sql.begin(async (tx) => {
          const fresh = await tx`
            INSERT INTO inbox (event_id, event_type) VALUES (${event.id}, ${event.type})
            ON CONFLICT DO NOTHING RETURNING event_id`;
          if (fresh.length === 0) return false;
          const flow = { correlationId: event.correlationid, ...(event.traceparent ? { traceparent: event.traceparent } : {}) };
          await handler.handle(event.data, { tx, event, flow, log: eventLog });
          return true;
        });
        count(handled ? 'handled' : 'duplicate');
        eventLog.debug(handled ? 'event handled' : 'duplicate event ignored');
      } catch (error) {
        // An unreachable database says nothing about the event: it is retried until the database is back.
        const exhausted = attempt >= redelivery.maxAttempts && !isDatabaseUnavailable(error);
        if (error instanceof MalformedEvent || exhausted) {
          await deadLetter(sql, event, error, attempt);
          count('dead_lettered');
          eventLog.error({ err: error }, 'event dead-lettered');
          return;
        }
        count('failed');
        eventLog.warn({ err: error }, 'event handling failed; it will be redelivered');
        throw error;
      }
    },
  };
}

async function deadLetter(sql: Sql, event: EventEnvelope, error: unknown, attempts: number): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  await sql`
    INSERT INTO dead_letters (event_id, event_type, envelope, error, attempts)
    VALUES (${event.id}, ${event.type}, ${sql.json(event as never)}, ${message}, ${attempts})
    ON CONFLICT (event_id) DO UPDATE SET error = EXCLUDED.error, attempts = EXCLUDED.attempts,
      failed_at = now(), replayed_at = NULL`;
}
