/** The styles whose messages all go through the broker: events (style 3) and the orchestrated saga (style 4). */
import { ChargeCommandV1, OrderCancellationRequestedV1, OrderCreatedV1, RefundCommandV1 } from '../../contracts/events.ts';
import { backoffDelay } from '../../platform/common/index.ts';
import type { Tx } from '../../platform/database/index.ts';
import { appendToOutbox, type Correlation, type EventEnvelope, newEvent } from '../../platform/messaging/index.ts';
import { announceByEvent } from './announce.ts';
import type { Order } from './contract.ts';
import type { RefundCause } from './order-process.ts';
import { applyToRecord } from './process.ts';
import { type OrderRecord, setFollowUp } from './repository.ts';
import { followUpCorrelation, type OrdersStyle } from './styles.ts';

const created = (order: Order, correlation: Correlation) =>
  newEvent('orders', OrderCreatedV1, { orderId: order.id, userId: order.userId, price: order.price, currency: 'RUB' }, correlation);

/** The refund as the broker styles ask for it; a payment_timeout and a billing_unavailable both ask for the money back. */
function refundRequest(order: Order, cause: RefundCause, correlation: Correlation, asCommand: boolean): EventEnvelope {
  if (!asCommand && cause === 'cancelled_by_user') {
    return newEvent('orders', OrderCancellationRequestedV1, { orderId: order.id, userId: order.userId }, correlation);
  }
  const reason = cause === 'cancelled_by_user' ? 'cancelled_by_user' : 'payment_timeout';
  return newEvent('orders', RefundCommandV1, { paymentId: order.id, reason, userId: order.userId }, correlation);
}

/**
 * Style 3: billing reacts to orders.order.created.v1 and orders.order.cancellation_requested.v1; the outbox
 * guarantees they arrive, so nothing is followed up but orders adopted from another style (sent once more).
 */
export function eventsStyle(): OrdersStyle {
  return {
    name: 'events',
    placing: () => ({}),
    placed: (tx, placed) => appendToOutbox(tx, placed.map(({ order, correlation }) => created(order, correlation))),
    async inTransaction(tx, { order, next }, effect, correlation) {
      if (effect.kind === 'announce') announceByEvent(tx, order, next, correlation);
      else appendToOutbox(tx, [refundRequest(order, effect.cause, correlation, false)]);
      return undefined;
    },
    afterCommit: async () => {},
    async followUp(tx, record) {
      const correlation = followUpCorrelation(record.order.id);
      const cause = record.followUp?.cause ?? 'cancelled_by_user';
      appendToOutbox(tx, [record.followUp?.action === 'refund' ? refundRequest(record.order, cause, correlation, false) : created(record.order, correlation)]);
      await setFollowUp(tx, record.order.id, undefined, 0);
      return { order: record.order, afterCommit: [] };
    },
  };
}

/** How often the saga sends a command again while it has no answer: from 1 s, doubling, at most every 30 s. */
const RESEND = { firstMs: 1_000, factor: 2, maxMs: 30_000 };

/**
 * Style 4: orders owns the process. It sends billing.commands.charge.v1 with the order and sends it again, with the
 * same payment id, until billing answers or the deadline passes; then the order is rejected (payment_timeout) and a
 * refund command gives back whatever a late charge took. Cancellation sends the refund command too.
 */
export function sagaStyle(): OrdersStyle {
  const charge = (order: Order, correlation: Correlation) =>
    newEvent('orders', ChargeCommandV1, { paymentId: order.id, userId: order.userId, amount: order.price, currency: 'RUB' }, correlation);

  async function resend(tx: Tx, record: OrderRecord) {
    const correlation = followUpCorrelation(record.order.id);
    const { followUp } = record;
    if (!followUp) return { order: record.order, afterCommit: [] };
    const attempts = record.attempts + 1;
    let at = new Date(Date.now() + backoffDelay(RESEND, attempts));
    if (followUp.action === 'charge') {
      appendToOutbox(tx, [charge(record.order, correlation)]);
      // The deadline is a step of its own: the timer comes back for it even when the next resend would be later.
      if (record.deadlineAt && record.deadlineAt < at) at = record.deadlineAt;
    } else appendToOutbox(tx, [refundRequest(record.order, followUp.cause ?? 'cancelled_by_user', correlation, true)]);
    await setFollowUp(tx, record.order.id, { ...followUp, at }, attempts);
    return { order: record.order, afterCommit: [] };
  }

  const style: OrdersStyle = {
    name: 'saga',
    placing: (now, deadlineMs) => ({
      followUp: { action: 'charge', at: new Date(now.getTime() + Math.min(RESEND.firstMs, deadlineMs)) },
      deadlineAt: new Date(now.getTime() + deadlineMs),
    }),
    placed: (tx, placed) => appendToOutbox(tx, placed.flatMap(({ order, correlation }) => [created(order, correlation), charge(order, correlation)])),
    async inTransaction(tx, { order, next }, effect, correlation) {
      if (effect.kind === 'announce') announceByEvent(tx, order, next, correlation);
      else {
        appendToOutbox(tx, [refundRequest(order, effect.cause, correlation, true)]);
        await setFollowUp(tx, order.id, { action: 'refund', cause: effect.cause, at: new Date(Date.now() + RESEND.firstMs) }, 1);
      }
      return undefined;
    },
    afterCommit: async () => {},
    async followUp(tx, record) {
      const overdue = record.followUp?.action === 'charge' && record.deadlineAt !== undefined && record.deadlineAt.getTime() <= Date.now();
      if (!overdue) return resend(tx, record);
      const applied = await applyToRecord(tx, record, { kind: 'deadline' }, { style, correlation: followUpCorrelation(record.order.id) });
      return { order: applied.order, afterCommit: applied.afterCommit };
    },
  };
  return style;
}
