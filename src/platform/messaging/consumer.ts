import type { Logger } from 'pino';
import { Compile } from 'typebox/compile';
import type { Database, Tx } from '../database/index.ts';
import { type ServiceMetrics, SpanKind, type Tracing } from '../observability/index.ts';
import { perKeyQueue } from '../common/index.ts';
import { type Delivery, redelivery, type Subscription } from './bus.ts';
import { countOutcomes, deadLetterWhenExhausted, type DeliveryHandler, deliveryLog, MalformedEvent } from './delivery-middleware.ts';
import type { EventHandler, HandlerContext } from './handlers.ts';
import { recordInInbox } from './inbox.ts';

/** A delivery of a well-formed event, with the handler it goes to and the key it is handled under. */
export interface DecodedDelivery extends Delivery {
  handler: EventHandler;
  key: string;
}

/**
 * The steps that make "an event is applied exactly once" true. The plain path (`handleAlone`) runs them for one
 * delivery; the batching layer (batching/consumer-batches.ts) runs the same steps for many deliveries in one transaction.
 */
export interface ConsumerSteps {
  db: Database;
  log: Logger;
  metrics: ServiceMetrics;
  /** 1. Decode and validate: the handler of a well-formed event; MalformedEvent for the others. */
  decode(delivery: Delivery): DecodedDelivery;
  /** 2–3. In `tx`: mark the events in the inbox, then run the handlers of the new ones only (a key's in order). Returns the new ids. */
  applyInTransaction(tx: Tx, deliveries: DecodedDelivery[]): Promise<Set<string>>;
  /** The plain path: decode, then one transaction for this delivery alone; its commit is 4, and resolving acknowledges it (5). */
  handleAlone: DeliveryHandler;
}

export interface ConsumerOptions {
  /** The service, which is also the durable consumer's name. */
  service: string;
  db: Database;
  handlers: EventHandler[];
  log: Logger;
  metrics: ServiceMetrics;
  tracing: Tracing;
  /** The opt-in speed layer (MESSAGE_BATCHING=on): how deliveries reach the steps. Without it, each goes alone. */
  batching?: ((steps: ConsumerSteps) => DeliveryHandler) | undefined;
}

/**
 * A service's handlers as one durable subscription: decode and validate → skip if the inbox has the id → run the
 * handler in a transaction that also writes the inbox mark and the handler's outbox events → commit → acknowledge.
 * Around that, as layers: outcomes counted, and dead letters after the last attempt.
 */
export function createConsumer(options: ConsumerOptions): Subscription {
  const steps = consumerSteps(options);
  const handle = [countOutcomes(options.metrics), deadLetterWhenExhausted({ ...options, maxAttempts: redelivery.maxAttempts })].reduceRight(
    (next, layer) => layer(next),
    options.batching ? options.batching(steps) : steps.handleAlone,
  );
  return { consumer: options.service, eventTypes: options.handlers.map((h) => h.event.type), handle };
}

function consumerSteps({ db, handlers, log, metrics, tracing }: ConsumerOptions): ConsumerSteps {
  const byType = new Map(handlers.map((handler) => [handler.event.type, { handler, validator: Compile(handler.event.data) }]));
  const run = withSpan(tracing, runHandler(log));

  function decode(delivery: Delivery): DecodedDelivery {
    const { event } = delivery;
    const known = byType.get(event.type);
    if (!known) throw new MalformedEvent(`no handler for ${event.type}`);
    if (!known.validator.Check(event.data)) {
      const errors = [...known.validator.Errors(event.data)].map((e) => `${e.instancePath} ${e.message}`);
      throw new MalformedEvent(`invalid data: ${errors.join('; ')}`);
    }
    return { ...delivery, handler: known.handler, key: known.handler.keyOf(event.data) };
  }

  async function applyInTransaction(tx: Tx, deliveries: DecodedDelivery[]): Promise<Set<string>> {
    const fresh = await recordInInbox(tx, deliveries.map((delivery) => delivery.event));
    // Keys in sorted order (a stable sort keeps each key's events in order): any two transactions then lock what
    // they share in the same order, so they never wait for each other in a cycle.
    const queue = perKeyQueue();
    const runs = deliveries
      .filter((delivery) => fresh.has(delivery.event.id))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((delivery) => queue.run(delivery.key, () => run(tx, delivery, delivery.event.traceparent)));
    // Every handler settles before the transaction ends: none is left sending statements into a rollback.
    const failure = (await Promise.allSettled(runs)).find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    return fresh;
  }

  async function handleAlone(delivery: Delivery) {
    const decoded = decode(delivery);
    const fresh = await db.transaction((tx) => applyInTransaction(tx, [decoded]));
    metrics.eventBatchSize.observe(1);
    return fresh.size > 0 ? ('handled' as const) : ('duplicate' as const);
  }

  return { db, log, metrics, decode, applyInTransaction, handleAlone };
}

/** Calls a handler in `tx`, with the flow's correlation and a logger made only if the handler logs (most never do). */
type RunHandler = (tx: Tx, delivery: DecodedDelivery, traceparent: string | undefined) => Promise<void>;

function runHandler(log: Logger): RunHandler {
  return (tx, delivery, traceparent) => {
    const { event } = delivery;
    let eventLog: Logger | undefined;
    const context: HandlerContext = {
      tx,
      event,
      correlation: { correlationId: event.correlationid, ...(traceparent ? { traceparent } : {}) },
      get log() {
        eventLog ??= deliveryLog(log, delivery, traceparent);
        return eventLog;
      },
    };
    return delivery.handler.handle(event.data, context);
  };
}

/** The handling continues the trace of the event, and what it causes continues the handling's span. */
function withSpan(tracing: Tracing, next: RunHandler): RunHandler {
  return async (tx, delivery, traceparent) => {
    const attributes = { 'messaging.message.id': delivery.event.id, 'streamshop.attempt': delivery.attempt };
    const span = tracing.start(`handle ${delivery.event.type}`, SpanKind.CONSUMER, traceparent, attributes);
    try {
      await next(tx, delivery, span?.traceparent ?? traceparent);
      span?.end();
    } catch (error) {
      span?.end({ error });
      throw error;
    }
  };
}
