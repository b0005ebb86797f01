import { uuidv7 } from 'uuidv7';
import { OrderCreatedV1, OrderPaidV1, OrderRejectedV1, type PaymentRejected, type PaymentSucceeded } from '../../contracts/events.ts';
import type { Sql, Tx } from '../../platform/db.ts';
import { type FlowContext, newEvent } from '../../platform/events.ts';
import { once } from '../../platform/idempotency.ts';
import { appendToOutbox } from '../../platform/outbox.ts';
import type { Logger } from 'pino';
import type { Order, PlaceOrderBody } from './contract.ts';
import { orderNotFound } from './errors.ts';
import { announceFinal, type FinalityWatcher } from './finality.ts';
import { findOrder, finishOrder, insertOrder, listOrders } from './repository.ts';

/** Places a pending order; billing will try to pay for it. */
export async function placeOrder(sql: Sql, input: PlaceOrderBody, idempotencyKey: string | undefined, flow: FlowContext, id = uuidv7()) {
  return sql.begin((tx) =>
    once(tx, idempotencyKey, 'orders.place', input, async () => {
      const data = { orderId: id, userId: input.userId, price: input.price, currency: 'RUB' as const };
      // Sent together: one round trip for both statements of the transaction.
      const [order] = await Promise.all([
        insertOrder(tx, { id, ...input }),
        appendToOutbox(tx, [newEvent('orders', OrderCreatedV1, id, data, flow)]),
      ]);
      return { status: 201, body: order };
    }),
  );
}

/** Places an order and, when `seconds` > 0, answers with it once final (or as it is after `seconds`). */
export async function placeOrderAndWait(
  sql: Sql,
  watcher: FinalityWatcher,
  input: PlaceOrderBody,
  idempotencyKey: string | undefined,
  flow: FlowContext,
  seconds: number,
) {
  if (seconds <= 0) return placeOrder(sql, input, idempotencyKey, flow);
  const id = uuidv7();
  // Listening starts before the order exists, so its announcement cannot come too early, and needs no read.
  const listening = watcher.listen(id);
  try {
    const placed = await placeOrder(sql, input, idempotencyKey, flow, id);
    const read = () => getOrder(sql, placed.body.id);
    // A replayed request answers with the first request's order, which this one did not listen for.
    const body = placed.body.id === id ? await listening.final(placed.body, seconds, read) : await getOrderWhenFinal(sql, watcher, placed.body.id, seconds);
    return { ...placed, body };
  } finally {
    listening.stop();
  }
}

export async function getOrder(sql: Sql, orderId: string): Promise<Order> {
  return (await findOrder(sql, orderId)) ?? Promise.reject(orderNotFound(orderId));
}

/** The order as it is once final, or as it is after `seconds`. */
export async function getOrderWhenFinal(sql: Sql, watcher: FinalityWatcher, orderId: string, seconds: number): Promise<Order> {
  if (seconds > 0) return watcher.whenFinal(orderId, seconds, () => getOrder(sql, orderId));
  return getOrder(sql, orderId);
}

export async function listUserOrders(sql: Sql, userId: string, limit: number, cursor?: string) {
  const items = await listOrders(sql, userId, limit, cursor);
  const last = items.at(-1);
  return { items, nextCursor: items.length === limit && last ? last.id : null };
}

export async function markPaid(tx: Tx, payment: PaymentSucceeded, flow: FlowContext, log: Logger): Promise<void> {
  const order = await finishOrder(tx, payment.orderId, { status: 'paid' });
  if (!order) return log.warn({ orderId: payment.orderId }, 'payment for an order that is not pending; ignored');
  const data = { orderId: order.id, userId: order.userId, price: order.price };
  await Promise.all([appendToOutbox(tx, [newEvent('orders', OrderPaidV1, order.id, data, flow)]), announceFinal(tx, order)]);
}

export async function markRejected(tx: Tx, refusal: PaymentRejected, flow: FlowContext, log: Logger): Promise<void> {
  const order = await finishOrder(tx, refusal.orderId, { status: 'rejected', reason: refusal.reason });
  if (!order) return log.warn({ orderId: refusal.orderId }, 'refusal for an order that is not pending; ignored');
  const data = { orderId: order.id, userId: order.userId, price: order.price, reason: refusal.reason };
  await Promise.all([appendToOutbox(tx, [newEvent('orders', OrderRejectedV1, order.id, data, flow)]), announceFinal(tx, order)]);
}
