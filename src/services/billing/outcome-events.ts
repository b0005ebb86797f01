/** A charge's and a refund's outcome as billing announces them, in the styles with a broker. */
import { PaymentRefundedV1, PaymentRejectedV1, PaymentSucceededV1, PaymentVoidedV1 } from '../../contracts/events.ts';
import { type Correlation, type EventEnvelope, newEvent } from '../../platform/messaging/index.ts';
import type { ChargeOutcome, RefundOutcome } from './payment-use-cases.ts';

export function chargeEvent(outcome: ChargeOutcome, correlation: Correlation): EventEnvelope {
  const { paymentId, userId, amount } = outcome;
  if (outcome.status === 'charged') {
    const data = { orderId: paymentId, paymentId, userId, amount, transactionId: outcome.transactionId, balance: outcome.balance };
    return newEvent('billing', PaymentSucceededV1, data, correlation);
  }
  const balance = outcome.balance === undefined ? {} : { balance: outcome.balance };
  return newEvent('billing', PaymentRejectedV1, { orderId: paymentId, paymentId, userId, amount, reason: outcome.reason, ...balance }, correlation);
}

export function refundEvent(outcome: RefundOutcome, correlation: Correlation): EventEnvelope {
  if (outcome.status === 'refunded') {
    const { paymentId, userId, amount, transactionId, balance } = outcome;
    return newEvent('billing', PaymentRefundedV1, { paymentId, userId, amount, transactionId, balance }, correlation);
  }
  return newEvent('billing', PaymentVoidedV1, { paymentId: outcome.paymentId, ...(outcome.userId ? { userId: outcome.userId } : {}) }, correlation);
}
