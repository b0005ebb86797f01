import { OrderCreatedV1, UserCreatedV1 } from '../../contracts/events.ts';
import { on } from '../../platform/messaging/consumer.ts';
import { openAccountForNewUser, payForOrder } from './use-cases.ts';

export const billingHandlers = [
  on(UserCreatedV1, (user, { tx, flow }) => openAccountForNewUser(tx, user, flow)),
  // Payments from one account are made one after another: the key is the account, not the order.
  on(OrderCreatedV1, (order, { tx, flow }) => payForOrder(tx, order, flow), { key: (order) => order.userId }),
];
