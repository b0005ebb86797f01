import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { Logger } from 'pino';
import { redelivery, type Subscription } from './bus.ts';
import { isDatabaseUnavailable, type Sql, type Tx } from '../database/connection.ts';
import { SpanKind, type Tracing, traceIdsOf } from '../observability/tracing.ts';
import type { Database } from '../database/transactions.ts';
import { writingAtEnd } from '../batching/deferred-writes.ts';
import { batched, type Waiting } from '../batching/batches.ts';
import type { EventDefinition, EventEnvelope, FlowContext } from './events.ts';
import type { ServiceMetrics } from '../observability/metrics.ts';

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
  /** Events with the same key are handled one after another; see `on`. */
  keyOf(data: unknown, event: EventEnvelope): string;
}

/**
 * Declares a handler. `key` names what the handler changes (by default the event's subject): events with the same
 * key are handled in order, others may share a transaction and run side by side. Give the key of the rows or
 * locks the use case relies on, e.g. the account a payment comes from.
 */
export function on<S extends TSchema>(
  event: EventDefinition<S>,
  handle: (data: Static<S>, context: HandlerContext) => Promise<void>,
  options: { key?: (data: Static<S>) => string } = {},
): EventHandler {
  const key = options.key as ((data: unknown) => string) | undefined;
  return { event, handle: handle as EventHandler['handle'], keyOf: (data, envelope) => (key ? key(data) : envelope.subject) };
}

class MalformedEvent extends Error {}

/** Events that arrive while a batch is handled wait for the next one; a batch has at most this many. */
const MAX_BATCH = 64;

/** A delivery waiting for its batch (see batches.ts). */
type Queued = Waiting<{ event: EventEnvelope; attempt: number }, void>;

type Handler = EventHandler & { validator: ReturnType<typeof Compile> };

/**
 * Turns a service's handlers into one durable subscription. Each event is handled in a transaction that first
 * records its id in the inbox: a redelivered event finds its id and changes nothing.
 *
 * Under load, events that arrive while a transaction is running are handled together in the next one: one inbox
 * INSERT, one outbox INSERT (see deferred-writes.ts), one commit, and handlers of different keys side by side, so
 * their statements share round trips. If that transaction fails, each of its events is handled again alone, so one
 * bad event costs the others nothing.
 * After the last attempt an event goes to dead_letters (same database), so the ones behind it move on.
 */
export function createSubscription(
  service: string,
  db: Database,
  handlers: EventHandler[],
  log: Logger,
  metrics: ServiceMetrics,
  tracing: Tracing,
): Subscription {
  const byType = new Map<string, Handler>(handlers.map((h) => [h.event.type, { ...h, validator: Compile(h.event.data) }]));
  const count = (event: EventEnvelope, outcome: string) => metrics.eventsHandled.inc({ type: event.type, outcome });
  const logFor = (event: EventEnvelope, attempt: number, traceparent = event.traceparent) =>
    log.child({ correlationId: event.correlationid, ...traceIdsOf(traceparent), eventId: event.id, eventType: event.type, attempt });

  /** The handler of a well-formed event; throws MalformedEvent for the others. */
  function handlerFor(event: EventEnvelope): Handler {
    const handler = byType.get(event.type);
    if (!handler) throw new MalformedEvent(`no handler for ${event.type}`);
    if (!handler.validator.Check(event.data)) {
      const errors = [...handler.validator.Errors(event.data)].map((e) => `${e.instancePath} ${e.message}`);
      throw new MalformedEvent(`invalid data: ${errors.join('; ')}`);
    }
    return handler;
  }

  async function run(tx: Tx, handler: Handler, event: EventEnvelope, attempt: number): Promise<void> {
    // The handling continues the trace of the event; what it causes continues the handling's.
    const span = tracing.start(`handle ${event.type}`, SpanKind.CONSUMER, event.traceparent, { 'messaging.message.id': event.id, 'streamshop.attempt': attempt });
    const traceparent = span?.traceparent ?? event.traceparent;
    const flow = { correlationId: event.correlationid, ...(traceparent ? { traceparent } : {}) };
    // The event's logger is made only if the handler logs: most never do, and a child logger is not free.
    let eventLog: Logger | undefined;
    const context = {
      tx,
      event,
      flow,
      get log() {
        eventLog ??= logFor(event, attempt, traceparent);
        return eventLog;
      },
    };
    try {
      await handler.handle(event.data, context);
      span?.end();
    } catch (error) {
      span?.end({ error });
      throw error;
    }
  }

  /** One event in its own transaction; throws to ask for a redelivery. */
  async function handleAlone(event: EventEnvelope, attempt: number): Promise<void> {
    try {
      const handler = handlerFor(event);
      const handled = await db.transaction(async (tx) => {
        const fresh = await tx`
          INSERT INTO inbox (event_id, event_type, subject) VALUES (${event.id}, ${event.type}, ${event.subject ?? null})
          ON CONFLICT DO NOTHING RETURNING event_id`;
        if (fresh.length === 0) return false;
        await run(tx, handler, event, attempt);
        return true;
      });
      count(event, handled ? 'handled' : 'duplicate');
    } catch (error) {
      // An unreachable database says nothing about the event: it is retried until the database is back.
      const exhausted = attempt >= redelivery.maxAttempts && !isDatabaseUnavailable(error);
      if (error instanceof MalformedEvent || exhausted) {
        await deadLetter(db.sql, event, error, attempt);
        count(event, 'dead_lettered');
        logFor(event, attempt).error({ err: error }, 'event dead-lettered');
        return;
      }
      count(event, 'failed');
      logFor(event, attempt).warn({ err: error }, 'event handling failed; it will be redelivered');
      throw error;
    }
  }

  /** Several events in one transaction: all are handled, or none is (then each goes alone). */
  async function handleTogether(batch: (Queued & { handler: Handler })[]): Promise<void> {
    let fresh: Set<string>;
    try {
      fresh = await db.transaction((tx) => writingAtEnd(tx, async () => {
        // In id order, for the same reason as the keys below (two replicas given the same events, after a redelivery).
        const byId = batch.map((q) => q.item.event).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        const ids = byId.map((event) => event.id);
        const types = byId.map((event) => event.type);
        // The subject lets an operator see what a service handled about an order (admin-routes.ts).
        const subjects = byId.map((event) => event.subject ?? null);
        const inserted = await tx<{ event_id: string }[]>`
          INSERT INTO inbox (event_id, event_type, subject) SELECT * FROM unnest(${ids}::uuid[], ${types}::text[], ${subjects}::text[])
          ON CONFLICT DO NOTHING RETURNING event_id`;
        const fresh = new Set(inserted.map((row) => row.event_id));
        // Keys in sorted order (a stable sort keeps each key's events in order): every batch, in any replica, then
        // locks what it shares with another in the same order, so two batches never wait for each other in a cycle.
        const keyed = batch
          .filter(({ item }) => fresh.has(item.event.id))
          .map((q) => ({ ...q.item, handler: q.handler, key: q.handler.keyOf(q.item.event.data, q.item.event) }))
          .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        const chains = new Map<string, Promise<void>>();
        for (const { handler, event, attempt, key } of keyed) {
          const previous = chains.get(key) ?? Promise.resolve();
          chains.set(key, previous.then(() => run(tx, handler, event, attempt)));
        }
        // Every handler settles before the transaction ends: none is left issuing statements into a rollback.
        const failure = (await Promise.allSettled(chains.values())).find((r) => r.status === 'rejected');
        if (failure) throw failure.reason;
        return fresh;
      }));
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        for (const q of batch) {
          count(q.item.event, 'failed');
          q.reject(error);
        }
        return;
      }
      metrics.eventBatchesSplit.inc();
      log.warn({ err: error, events: batch.length }, 'a batch of events failed; handling them one by one');
      await Promise.all(batch.map(answerAlone));
      return;
    }
    for (const q of batch) {
      count(q.item.event, fresh.has(q.item.event.id) ? 'handled' : 'duplicate');
      q.resolve();
    }
  }

  const answerAlone = (q: Queued) => handleAlone(q.item.event, q.item.attempt).then(q.resolve, q.reject);

  const deliver = batched<Queued['item'], void>(MAX_BATCH, async (taken) => {
    // Malformed events and repeats of an id within the batch go alone (dead-lettered, or found in the inbox).
    const alone: Queued[] = [];
    const together = new Map<string, Queued & { handler: Handler }>();
    for (const q of taken) {
      const handler = together.has(q.item.event.id) ? undefined : wellFormed(q.item.event);
      if (handler) together.set(q.item.event.id, { ...q, handler });
      else alone.push(q);
    }
    const batch = [...together.values()];
    if (batch.length === 1) alone.unshift(...batch);
    else if (batch.length > 1) {
      metrics.eventBatchSize.observe(batch.length);
      await handleTogether(batch);
    }
    for (const q of alone) {
      metrics.eventBatchSize.observe(1);
      await answerAlone(q);
    }
  });

  function wellFormed(event: EventEnvelope): Handler | undefined {
    try {
      return handlerFor(event);
    } catch {
      return undefined;
    }
  }

  return {
    consumer: service,
    eventTypes: [...byType.keys()],
    handle: (event, { attempt }) => deliver({ event, attempt }),
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
