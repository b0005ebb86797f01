import { OrderPaidV1, OrderRejectedV1, UserCreatedV1 } from '../../contracts/events.ts';
import { on } from '../../platform/consumer.ts';
import { notifyOrderOutcome, paidOutcome, rejectedOutcome, rememberRecipient } from './use-cases.ts';

export const notificationsHandlers = [
  on(UserCreatedV1, (user, { tx, flow }) => rememberRecipient(tx, user, flow)),
  on(OrderPaidV1, (order, { tx, flow }) => notifyOrderOutcome(tx, order.userId, paidOutcome(order), flow)),
  on(OrderRejectedV1, (order, { tx, flow }) => notifyOrderOutcome(tx, order.userId, rejectedOutcome(order), flow)),
];
