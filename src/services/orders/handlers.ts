import { PaymentRefundedV1, PaymentRejectedV1, PaymentSucceededV1, PaymentVoidedV1 } from '../../contracts/events.ts';
import { type Correlation, type EventHandler, on } from '../../platform/messaging/index.ts';
import type { InteractionStyle } from '../../platform/runtime/index.ts';
import { eventsStyle, sagaStyle } from './broker-styles.ts';
import type { OrderMessage } from './order-process.ts';
import { applyMessage } from './process.ts';
import type { OrdersStyle } from './styles.ts';

/**
 * Billing's answers, in the styles where they come through the broker: a payment's outcome (to the order created in
 * events, to the charge command in the saga) and a refund's. Each becomes a message for the order's process. In the
 * http and hybrid styles orders asks billing by calls, and handles no event.
 */
export function ordersHandlers(style: InteractionStyle): EventHandler[] {
  if (style !== 'events' && style !== 'saga') return [];
  const ordersStyleOf: OrdersStyle = style === 'events' ? eventsStyle() : sagaStyle();
  const apply = (orderId: string, message: OrderMessage, { tx, correlation, log }: { tx: Parameters<typeof applyMessage>[0]; correlation: Correlation; log: { warn(o: object, m: string): void } }) =>
    applyMessage(tx, orderId, message, { style: ordersStyleOf, correlation }).then((applied) => {
      if (!applied) log.warn({ orderId, answer: message.kind }, 'an answer about an order this service does not have; ignored');
    });
  // Keyed by order: one order's answers are applied one after another.
  return [
    on(PaymentSucceededV1, (payment, context) => apply(payment.orderId, { kind: 'charged' }, context), { key: (payment) => payment.orderId }),
    on(PaymentRejectedV1, (refusal, context) => apply(refusal.orderId, { kind: 'refused', reason: refusal.reason }, context), { key: (refusal) => refusal.orderId }),
    on(PaymentRefundedV1, (refund, context) => apply(refund.paymentId, { kind: 'refunded' }, context), { key: (refund) => refund.paymentId }),
    on(PaymentVoidedV1, (voided, context) => apply(voided.paymentId, { kind: 'voided' }, context), { key: (voided) => voided.paymentId }),
  ];
}
