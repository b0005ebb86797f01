import { OrderCancelledV1, OrderPaidV1, OrderRejectedV1, UserCreatedV1 } from '../../contracts/events.ts';
import { type EventHandler, on } from '../../platform/messaging/index.ts';
import type { InteractionStyle } from '../../platform/runtime/index.ts';
import { cancelledOutcome, letterWriting, paidOutcome, rejectedOutcome } from './use-cases.ts';

// Keyed by user: an address and an outcome of the same user are never handled side by side (they meet in
// pending_outcomes, which the recipient lock guards between transactions but not within one).
const byUser = { key: (data: { userId: string }) => data.userId };

/** Notifications reacts to addresses and order outcomes in every style with a broker; in http it is called instead. */
export function notificationsHandlers(style: InteractionStyle): EventHandler[] {
  if (style === 'http') return [];
  const letters = letterWriting({ announces: true });
  const outcome = (userId: string, data: Parameters<typeof letters.notifyOrderOutcome>[2], context: { tx: Parameters<typeof letters.notifyOrderOutcome>[0]; correlation: Parameters<typeof letters.notifyOrderOutcome>[3] }) =>
    letters.notifyOrderOutcome(context.tx, userId, data, context.correlation).then(() => {});
  return [
    on(UserCreatedV1, (user, { tx, correlation }) => letters.rememberRecipient(tx, user, correlation), byUser),
    on(OrderPaidV1, (order, context) => outcome(order.userId, paidOutcome(order), context), byUser),
    on(OrderRejectedV1, (order, context) => outcome(order.userId, rejectedOutcome(order), context), byUser),
    on(OrderCancelledV1, (order, context) => outcome(order.userId, cancelledOutcome(order), context), byUser),
  ];
}
