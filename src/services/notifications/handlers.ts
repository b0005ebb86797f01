import { OrderPaidV1, OrderRejectedV1, UserCreatedV1 } from '../../contracts/events.ts';
import { on } from '../../platform/messaging/consumer.ts';
import { notifyOrderOutcome, paidOutcome, rejectedOutcome, rememberRecipient } from './use-cases.ts';

// Keyed by user: an address and an outcome of the same user are never handled side by side (they meet in
// pending_outcomes, which the recipient lock guards between transactions but not within one).
const byUser = { key: (data: { userId: string }) => data.userId };

export const notificationsHandlers = [
  on(UserCreatedV1, (user, { tx, flow }) => rememberRecipient(tx, user, flow), byUser),
  on(OrderPaidV1, (order, { tx, flow }) => notifyOrderOutcome(tx, order.userId, paidOutcome(order), flow), byUser),
  on(OrderRejectedV1, (order, { tx, flow }) => notifyOrderOutcome(tx, order.userId, rejectedOutcome(order), flow), byUser),
];
