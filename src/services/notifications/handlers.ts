import { OrderPaidV1, OrderRejectedV1, UserCreatedV1 } from '../../contracts/events.ts';
import { on } from '../../platform/messaging/index.ts';
import { notifyOrderOutcome, paidOutcome, rejectedOutcome, rememberRecipient } from './use-cases.ts';

// Keyed by user: an address and an outcome of the same user are never handled side by side (they meet in
// pending_outcomes, which the recipient lock guards between transactions but not within one).
const byUser = { key: (data: { userId: string }) => data.userId };

export const notificationsHandlers = [
  on(UserCreatedV1, (user, { tx, correlation }) => rememberRecipient(tx, user, correlation), byUser),
  on(OrderPaidV1, (order, { tx, correlation }) => notifyOrderOutcome(tx, order.userId, paidOutcome(order), correlation), byUser),
  on(OrderRejectedV1, (order, { tx, correlation }) => notifyOrderOutcome(tx, order.userId, rejectedOutcome(order), correlation), byUser),
];
