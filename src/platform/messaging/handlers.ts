import type { Static, TSchema } from 'typebox';
import type { Logger } from 'pino';
import type { Tx } from '../database/index.ts';
import type { Correlation, EventDefinition, EventEnvelope } from './events.ts';

export interface HandlerContext {
  /** The transaction that also records the event in the inbox: the handler's effect commits with that mark, or neither does. */
  tx: Tx;
  event: EventEnvelope;
  /** What the events the handler causes carry on: the flow's correlation id and the handling's trace context. */
  correlation: Correlation;
  log: Logger;
}

/** "Like an API route, but for the broker": the consumer validates the event's data, then this calls a use case. */
export interface EventHandler {
  event: EventDefinition;
  handle(data: unknown, context: HandlerContext): Promise<void>;
  /** What the handler changes; events with the same key are never handled side by side (see `on`). */
  keyOf(data: unknown): string;
}

/**
 * Declares a handler. `key` names what the use case changes or locks, e.g. the account a payment comes from: events
 * with the same key are handled one after another, in the order they came, and events with different keys may share
 * a transaction and run side by side. It is required, so that no handler is declared without saying it.
 */
export function on<S extends TSchema>(
  event: EventDefinition<S>,
  handle: (data: Static<S>, context: HandlerContext) => Promise<void>,
  options: { key: (data: Static<S>) => string },
): EventHandler {
  return { event, handle: handle as EventHandler['handle'], keyOf: options.key as EventHandler['keyOf'] };
}
