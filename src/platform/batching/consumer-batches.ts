import { isDatabaseUnavailable } from '../database/index.ts';
import type { ConsumerSteps, DecodedDelivery, Delivery, DeliveryHandler, Outcome } from '../messaging/index.ts';
import { batched, type Waiting } from './batches.ts';

/** Deliveries that arrive while a batch is handled wait for the next one; a batch has at most this many. */
const MAX_BATCH = 64;

type Waiter = Waiting<Delivery, Outcome>;

/**
 * The consumer's speed layer: deliveries that arrive while a transaction runs are handled together in the next one,
 * by the same steps as the plain path — one inbox INSERT, handlers of different keys side by side (their statements
 * share round trips), one outbox INSERT, one commit. If that transaction fails, each of its deliveries takes the plain
 * path alone, so one bad event costs the others nothing. Malformed events, and a second delivery of an id already in
 * the batch, take the plain path at once.
 */
export function batchDeliveries(steps: ConsumerSteps): DeliveryHandler {
  const alone = (waiter: Waiter) => steps.handleAlone(waiter.item).then(waiter.resolve, waiter.reject);

  async function handleTogether(batch: { waiter: Waiter; decoded: DecodedDelivery }[]): Promise<void> {
    let fresh: Set<string>;
    try {
      fresh = await steps.db.transaction((tx) => steps.applyInTransaction(tx, batch.map((entry) => entry.decoded)));
    } catch (error) {
      // Alone, each would meet the same unreachable database: they wait for their redelivery instead.
      if (isDatabaseUnavailable(error)) {
        for (const { waiter } of batch) waiter.reject(error);
        return;
      }
      steps.metrics.eventBatchesSplit.inc();
      steps.log.warn({ err: error, events: batch.length }, 'a batch of events failed; handling them one by one');
      await Promise.all(batch.map(({ waiter }) => alone(waiter)));
      return;
    }
    steps.metrics.eventBatchSize.observe(batch.length);
    for (const { waiter, decoded } of batch) waiter.resolve(fresh.has(decoded.event.id) ? 'handled' : 'duplicate');
  }

  return batched<Delivery, Outcome>(MAX_BATCH, async (waiters) => {
    const together = new Map<string, { waiter: Waiter; decoded: DecodedDelivery }>();
    const rest: Waiter[] = [];
    for (const waiter of waiters) {
      const decoded = together.has(waiter.item.event.id) ? undefined : decodedOrUndefined(steps, waiter.item);
      if (decoded) together.set(decoded.event.id, { waiter, decoded });
      else rest.push(waiter);
    }
    if (together.size > 1) await handleTogether([...together.values()]);
    else rest.unshift(...[...together.values()].map((entry) => entry.waiter));
    for (const waiter of rest) await alone(waiter);
  });
}

function decodedOrUndefined(steps: ConsumerSteps, delivery: Delivery): DecodedDelivery | undefined {
  try {
    return steps.decode(delivery);
  } catch {
    return undefined;
  }
}
