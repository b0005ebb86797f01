/**
 * The opt-in speed layer (MESSAGE_BATCHING=on, the default) over the plain paths of messaging/ and database/. It
 * changes how many things share a transaction and a round trip, never what a transaction does:
 * - deliveries that arrive while a consumer's transaction runs are handled together in the next one (consumer-batches.ts);
 * - requests that write at once share a transaction (group-commit.ts);
 * - a transaction's queued writes go out with its COMMIT, in one round trip (commit-pipelining.ts).
 * With MESSAGE_BATCHING=off every delivery, request and transaction takes the plain path.
 */
import type { Database, SendWrites, Tx } from '../database/index.ts';
import type { ConsumerSteps, DeliveryHandler } from '../messaging/index.ts';
import type { ServiceMetrics } from '../observability/index.ts';
import { sendWithCommit } from './commit-pipelining.ts';
import { batchDeliveries } from './consumer-batches.ts';
import { groupCommit } from './group-commit.ts';

export type MessageBatching = 'on' | 'off';

/** A write that many requests make at once: `write` takes the items and returns one result per item, in order. */
export type GroupWrite<I, O> = (tx: Tx, items: I[]) => Promise<O[]>;

export interface SpeedLayer {
  mode: MessageBatching;
  /** How a consumer's deliveries reach its steps; undefined: each alone (the plain path). */
  consumer: ((steps: ConsumerSteps) => DeliveryHandler) | undefined;
  /** How transactions send their queued writes; undefined: awaited before the COMMIT. */
  sendWrites: SendWrites | undefined;
  /** Writes of one kind that requests make: grouped into shared transactions, or one transaction each. */
  writes<I, O>(name: string, db: Database, metrics: ServiceMetrics, write: GroupWrite<I, O>): (item: I) => Promise<O>;
}

export function speedLayer(mode: MessageBatching): SpeedLayer {
  if (mode === 'on') return { mode, consumer: batchDeliveries, sendWrites: sendWithCommit, writes: groupCommit };
  return { mode, consumer: undefined, sendWrites: undefined, writes: writeAlone };
}

/** The plain path of a write: its own transaction (the group-size metric then shows groups of one). */
function writeAlone<I, O>(name: string, db: Database, metrics: ServiceMetrics, write: GroupWrite<I, O>): (item: I) => Promise<O> {
  return async (item) => {
    metrics.writeGroupSize.observe({ write: name }, 1);
    const [result] = await db.transaction((tx) => write(tx, [item]));
    return result as O;
  };
}

export { batched, type Waiting } from './batches.ts';
