/**
 * What orders asks other services by internal HTTP calls (the http and hybrid styles): billing to charge and to
 * give back, notifications to store a letter (http only). Each call's answer becomes a message for the order's
 * process (order-process.ts), so the calls never decide anything themselves.
 */
import type { Logger } from 'pino';
import { type InternalClient, ServiceUnreachable } from '../../platform/http/index.ts';
import type { Correlation } from '../../platform/messaging/index.ts';
import type { Order } from './contract.ts';
import type { OrderMessage, RefundCause } from './order-process.ts';

/** A charge's or a refund's answer as a message for the order; `unreachable` when billing did not answer in time. */
export async function askBillingToCharge(calls: InternalClient, order: Order, correlation: Correlation): Promise<OrderMessage> {
  try {
    const answer = await calls.call<{ code?: string }>('billing', {
      operation: 'billing.charge',
      method: 'POST',
      path: `/billing/accounts/${order.userId}/payments`,
      body: { paymentId: order.id, amount: order.price },
      correlation,
    });
    if (answer.status === 201) return { kind: 'charged' };
    if (answer.body?.code === 'account-not-found') return { kind: 'refused', reason: 'account_not_found' };
    if (answer.body?.code === 'payment-cancelled') return { kind: 'refused', reason: 'cancelled' };
    if (answer.body?.code === 'insufficient-funds') return { kind: 'refused', reason: 'insufficient_funds' };
    throw new Error(`billing answered the charge of ${order.id} with ${answer.status} ${answer.body?.code ?? ''}`);
  } catch (error) {
    if (error instanceof ServiceUnreachable) return { kind: 'unreachable' };
    throw error;
  }
}

/** Asks billing to give the payment back (or void it); undefined when billing could not be reached: try again later. */
export async function askBillingToRefund(calls: InternalClient, order: Order, cause: RefundCause, correlation: Correlation): Promise<OrderMessage | undefined> {
  try {
    const answer = await calls.call<{ status?: string; code?: string }>('billing', {
      operation: 'billing.refund',
      method: 'POST',
      path: `/billing/payments/${order.id}/refund`,
      body: { reason: cause, userId: order.userId },
      correlation,
    });
    if (answer.status === 200 && answer.body?.status === 'refunded') return { kind: 'refunded' };
    if (answer.status === 200 && answer.body?.status === 'voided') return { kind: 'voided' };
    throw new Error(`billing answered the refund of ${order.id} with ${answer.status} ${answer.body?.code ?? ''}`);
  } catch (error) {
    if (error instanceof ServiceUnreachable) return undefined;
    throw error;
  }
}

/**
 * Asks notifications to store the order's letter, after the order's change committed. With no broker there is
 * no outbox to keep it in: a letter notifications could not take is lost, counted and logged with its order.
 */
export async function sendLetter(deps: { calls: InternalClient; lettersLost: { inc(): void }; log: Logger }, order: Order, correlation: Correlation): Promise<void> {
  const kind = order.status === 'paid' ? 'order_paid' : order.status === 'rejected' ? 'order_rejected' : 'order_cancelled';
  const body = { userId: order.userId, orderId: order.id, kind, price: order.price, ...(order.reason ? { reason: order.reason } : {}) };
  try {
    const answer = await deps.calls.call('notifications', {
      operation: 'notifications.letter',
      method: 'POST',
      path: '/notifications/letters',
      body,
      correlation,
      timeoutMs: 1_000,
      budgetMs: 2_500,
    });
    if (answer.status >= 300) throw new Error(`notifications answered ${answer.status}`);
  } catch (error) {
    deps.lettersLost.inc();
    deps.log.warn({ err: error, orderId: order.id, kind, correlationId: correlation.correlationId }, 'letter lost: notifications did not take it');
  }
}
