import { PaymentRejectedV1, PaymentSucceededV1 } from '../../contracts/events.ts';
import { on } from '../../platform/messaging/consumer.ts';
import { markPaid, markRejected } from './use-cases.ts';

export const ordersHandlers = [
  on(PaymentSucceededV1, (payment, { tx, flow, log }) => markPaid(tx, payment, flow, log)),
  on(PaymentRejectedV1, (refusal, { tx, flow, log }) => markRejected(tx, refusal, flow, log)),
];
