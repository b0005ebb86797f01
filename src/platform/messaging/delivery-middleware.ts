/**
 * What happens around the handling of one delivery, as layers (like a Watermill router's middleware): counting
 * outcomes and dead-lettering. Each is a function from the next handler to a handler, so reading the handling never
 * requires reading them, and the other way round.
 */
import type { Logger } from 'pino';
import { type Database, isDatabaseUnavailable } from '../database/index.ts';
import { type ServiceMetrics, traceIdsOf } from '../observability/index.ts';
import type { Delivery } from './bus.ts';
import { recordDeadLetter } from './dead-letters.ts';

/** What became of a delivery that may be acknowledged. */
export type Outcome = 'handled' | 'duplicate' | 'dead_lettered';

/** Handles one delivery: resolving acknowledges it, throwing asks for a redelivery. */
export type DeliveryHandler = (delivery: Delivery) => Promise<Outcome>;

export type DeliveryMiddleware = (next: DeliveryHandler) => DeliveryHandler;

/** An event no attempt can handle: an unknown type, or data its schema refuses. It is dead-lettered at once. */
export class MalformedEvent extends Error {}

/** The log of one delivery: every line says which event, which attempt, which flow and where in its trace. */
export function deliveryLog(log: Logger, { event, attempt }: Delivery, traceparent = event.traceparent): Logger {
  return log.child({ correlationId: event.correlationid, ...traceIdsOf(traceparent), eventId: event.id, eventType: event.type, attempt });
}

/** Counts every delivery by outcome (events_handled_total); `failed` for those handed back for a redelivery. */
export function countOutcomes(metrics: ServiceMetrics): DeliveryMiddleware {
  return (next) => async (delivery) => {
    try {
      const outcome = await next(delivery);
      metrics.eventsHandled.inc({ type: delivery.event.type, outcome });
      return outcome;
    } catch (error) {
      metrics.eventsHandled.inc({ type: delivery.event.type, outcome: 'failed' });
      throw error;
    }
  };
}

/**
 * After the last attempt, or at once for a malformed event, the event goes to the dead letters (in the service's
 * own database) and the delivery is acknowledged, so the events behind it move on. A failure because the database is
 * unreachable says nothing about the event: it never counts as the last attempt, and the event waits for the database.
 */
export function deadLetterWhenExhausted(options: { db: Database; log: Logger; maxAttempts: number }): DeliveryMiddleware {
  return (next) => async (delivery) => {
    try {
      return await next(delivery);
    } catch (error) {
      const exhausted = delivery.attempt >= options.maxAttempts && !isDatabaseUnavailable(error);
      if (!(error instanceof MalformedEvent) && !exhausted) {
        deliveryLog(options.log, delivery).warn({ err: error }, 'event handling failed; it will be redelivered');
        throw error;
      }
      await recordDeadLetter(options.db.sql, delivery, error);
      deliveryLog(options.log, delivery).error({ err: error }, 'event dead-lettered');
      return 'dead_lettered';
    }
  };
}
