import { PaymentRejectedV1, PaymentSucceededV1 } from '../../contracts/events.ts';
import { on } from '../../platform/messaging/index.ts';
import { markPaid, markRejected } from './use-cases.ts';

// Keyed by order: an order's outcomes are applied one after another.
export const ordersHandlers = [
  on(PaymentSucceededV1, (payment, { tx, correlation, log }) => markPaid(tx, payment, correlation, log), { key: (payment) => payment.orderId }),
  on(PaymentRejectedV1, (refusal, { tx, correlation, log }) => markRejected(tx, refusal, correlation, log), { key: (refusal) => refusal.orderId }),
];
