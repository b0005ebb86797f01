import { OrderCreatedV1, UserCreatedV1 } from '../../contracts/events.ts';
import { on } from '../../platform/messaging/index.ts';
import { openAccountForNewUser, payForOrder } from './use-cases.ts';

// Keyed by account: an account is opened, and paid from, one event after another.
export const billingHandlers = [
  on(UserCreatedV1, (user, { tx, correlation }) => openAccountForNewUser(tx, user, correlation), { key: (user) => user.userId }),
  on(OrderCreatedV1, (order, { tx, correlation }) => payForOrder(tx, order, correlation), { key: (order) => order.userId }),
];
