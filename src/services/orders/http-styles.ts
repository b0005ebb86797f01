/**
 * The styles where orders calls billing while the client waits: http (style 1: no broker at all, letters by a call
 * after the commit) and hybrid (style 2: the same payment, letters through the outbox and the broker). The charge is
 * made while the order's row is locked, so a cancellation waits for the payment in flight and then refunds it.
 */
import { backoffDelay } from '../../platform/common/index.ts';
import type { Correlation } from '../../platform/messaging/index.ts';
import { announceByEvent } from './announce.ts';
import { askBillingToCharge, askBillingToRefund, sendLetter } from './calls.ts';
import type { Order } from './contract.ts';
import { announceFinal } from './finality.ts';
import type { Effect, RefundCause } from './order-process.ts';
import { applyMessage, applyToRecord } from './process.ts';
import { lockOrder, setFollowUp } from './repository.ts';
import { followUpCorrelation, type OrdersStyle, type StyleDeps } from './styles.ts';

/** A call's timeout is 2 s and all its tries take at most 5 s: an order still pending after this was cut mid-call. */
const CALL_BUDGET_MS = 5_000;
/** Asking billing again for a refund it did not answer: from 1 s, doubling, at most every 30 s. */
const RETRY = { firstMs: 1_000, factor: 2, maxMs: 30_000 };

export function httpStyle(name: 'http' | 'hybrid', deps: StyleDeps): OrdersStyle {
  const { db, calls } = deps;

  /** Asks billing for the refund and applies its answer; a refund billing did not answer stays followed up. */
  async function refund(order: Order, cause: RefundCause, correlation: Correlation): Promise<void> {
    const answer = await askBillingToRefund(calls, order, cause, correlation);
    if (answer) await settle(order.id, answer, correlation);
  }

  async function settle(orderId: string, message: Parameters<typeof applyMessage>[2], correlation: Correlation): Promise<Order | undefined> {
    const applied = await db.transaction((tx) => applyMessage(tx, orderId, message, { style, correlation }));
    if (applied) await style.afterCommit(applied.order, applied.afterCommit, correlation);
    return applied?.order;
  }

  const style: OrdersStyle = {
    name,
    // Should the process die mid-call, the timer picks the order up once every try would have been over.
    placing: (now) => ({ followUp: { action: 'charge', at: new Date(now.getTime() + CALL_BUDGET_MS + 2_000) } }),
    placed: () => {},
    async afterPlaced(order, correlation) {
      const applied = await db.transaction(async (tx) => {
        const record = await lockOrder(tx, order.id);
        if (record?.state.status !== 'pending') return undefined; // settled meanwhile (a cancellation, the timer)
        return applyToRecord(tx, record, await askBillingToCharge(calls, record.order, correlation), { style, correlation });
      });
      if (!applied) return order;
      await style.afterCommit(applied.order, applied.afterCommit, correlation);
      return applied.order;
    },
    async inTransaction(tx, { order, next }, effect, correlation) {
      if (effect.kind === 'refund') {
        // Kept until billing confirms: the call after the commit may not get through.
        await setFollowUp(tx, order.id, { action: 'refund', cause: effect.cause, at: new Date(Date.now() + CALL_BUDGET_MS) }, 0);
        return 'after-commit';
      }
      if (name === 'hybrid') {
        announceByEvent(tx, order, next, correlation);
        return undefined;
      }
      announceFinal(tx, order);
      return 'after-commit';
    },
    async afterCommit(order, effects: Effect[], correlation) {
      for (const effect of effects) {
        if (effect.kind === 'refund') await refund(order, effect.cause, correlation);
        else await sendLetter(deps, order, correlation);
      }
    },
    async followUp(tx, record) {
      const correlation = followUpCorrelation(record.order.id);
      const { followUp } = record;
      if (followUp?.action === 'charge') {
        const applied = await applyToRecord(tx, record, await askBillingToCharge(calls, record.order, correlation), { style, correlation });
        return { order: applied.order, afterCommit: applied.afterCommit };
      }
      const answer = await askBillingToRefund(calls, record.order, followUp?.cause ?? 'cancelled_by_user', correlation);
      if (answer) {
        const applied = await applyToRecord(tx, record, answer, { style, correlation });
        return { order: applied.order, afterCommit: applied.afterCommit };
      }
      const attempts = record.attempts + 1;
      await setFollowUp(tx, record.order.id, { action: 'refund', cause: followUp?.cause ?? 'cancelled_by_user', at: new Date(Date.now() + backoffDelay(RETRY, attempts)) }, attempts);
      return { order: record.order, afterCommit: [] };
    },
  };
  return style;
}
