/** How an order's new status is told: as an event through the outbox (every style with a broker), and to waiting requests. */
import { OrderCancelledV1, OrderPaidV1, OrderRejectedV1 } from '../../contracts/events.ts';
import type { Tx } from '../../platform/database/index.ts';
import { appendToOutbox, type Correlation, newEvent } from '../../platform/messaging/index.ts';
import type { Order } from './contract.ts';
import { announceFinal } from './finality.ts';
import type { OrderState } from './order-process.ts';

export function announceByEvent(tx: Tx, order: Order, state: OrderState, correlation: Correlation): void {
  const { id: orderId, userId, price } = order;
  if (state.status === 'paid') appendToOutbox(tx, [newEvent('orders', OrderPaidV1, { orderId, userId, price }, correlation)]);
  if (state.status === 'rejected') {
    const reason = state.reason as Exclude<OrderState['reason'], 'cancelled_by_user' | undefined>;
    appendToOutbox(tx, [newEvent('orders', OrderRejectedV1, { orderId, userId, price, reason }, correlation)]);
  }
  if (state.status === 'cancelled') {
    appendToOutbox(tx, [newEvent('orders', OrderCancelledV1, { orderId, userId, price, refunded: state.refunded === true }, correlation)]);
  }
  announceFinal(tx, order);
}
