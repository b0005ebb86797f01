import { newId } from '../../platform/runtime/ids.ts';
import { OrderCreatedV1, OrderPaidV1, OrderRejectedV1, type PaymentRejected, type PaymentSucceeded } from '../../contracts/events.ts';
import type { Sql, Tx } from '../../platform/database/connection.ts';
import { type FlowContext, newEvent } from '../../platform/messaging/events.ts';
import { groupCommit } from '../../platform/batching/group-commit.ts';
import { once } from '../../platform/http/idempotency.ts';
import type { ServiceMetrics } from '../../platform/observability/metrics.ts';
import { appendToOutbox } from '../../platform/messaging/outbox.ts';
import type { Database } from '../../platform/database/transactions.ts';
import { type PageRequest, toPage } from '../../platform/schemas/schemas.ts';
import type { Logger } from 'pino';
import { mayRead } from '../../platform/access/route-access.ts';
import type { Caller } from '../../platform/access/tokens.ts';
import type { Order, PlaceOrderBody } from './contract.ts';
import { orderNotFound } from './errors.ts';
import { announceFinal, type FinalityWatcher } from './finality.ts';
import { findOrder, finishOrder, insertOrders, listOrders } from './repository.ts';

interface Placement {
  id: string;
  input: PlaceOrderBody;
  flow: FlowContext;
}

/** Writes pending orders and their orders.order.created events. */
async function writeOrders(tx: Tx, placements: Placement[]): Promise<Order[]> {
  const events = placements.map(({ id, input, flow }) =>
    newEvent('orders', OrderCreatedV1, id, { orderId: id, userId: input.userId, price: input.price, currency: 'RUB' }, flow),
  );
  // Sent together: one round trip for both statements.
  const [orders] = await Promise.all([
    insertOrders(tx, placements.map(({ id, input }) => ({ id, ...input }))),
    appendToOutbox(tx, events),
  ]);
  return orders;
}

/**
 * How a service places orders. Orders placed at about the same time share one transaction (group commit, see
 * platform/group-commit.ts); one with an Idempotency-Key gets its own, which also claims the key.
 */
export function orderPlacement(db: Database, metrics: ServiceMetrics) {
  const placeTogether = groupCommit('orders.place', db, metrics, writeOrders);
  /** Places a pending order; billing will try to pay for it. */
  return async function placeOrder(input: PlaceOrderBody, idempotencyKey: string | undefined, flow: FlowContext, id = newId()) {
    if (idempotencyKey === undefined) return { status: 201, body: await placeTogether({ id, input, flow }), replayed: false };
    return db.transaction((tx) =>
      once(tx, idempotencyKey, `orders.place:${input.userId}`, input, async () => {
        const [order] = await writeOrders(tx, [{ id, input, flow }]);
        return { status: 201, body: order as Order };
      }),
    );
  };
}

export type PlaceOrder = ReturnType<typeof orderPlacement>;

/** Places an order and, when `seconds` > 0, answers with it once final (or as it is after `seconds`). */
export async function placeOrderAndWait(
  placeOrder: PlaceOrder,
  sql: Sql,
  watcher: FinalityWatcher,
  input: PlaceOrderBody,
  idempotencyKey: string | undefined,
  flow: FlowContext,
  seconds: number,
) {
  if (seconds <= 0) return placeOrder(input, idempotencyKey, flow);
  const id = newId();
  // Listening starts before the order exists, so its announcement cannot come too early, and needs no read.
  const listening = watcher.listen(id);
  try {
    const placed = await placeOrder(input, idempotencyKey, flow, id);
    const read = () => getOrder(sql, placed.body.id);
    // A replayed request answers with the first request's order, which this one did not listen for.
    const body =
      placed.body.id === id ? await listening.final(placed.body, seconds, read) : await watcher.whenFinal(placed.body.id, seconds, read);
    return { ...placed, body };
  } finally {
    listening.stop();
  }
}

export async function getOrder(sql: Sql, orderId: string): Promise<Order> {
  return (await findOrder(sql, orderId)) ?? Promise.reject(orderNotFound(orderId));
}

/** The caller's order (an admin's: anyone's); someone else's is not found, as if it did not exist. */
async function getOrderOf(sql: Sql, caller: Caller, orderId: string): Promise<Order> {
  const order = await findOrder(sql, orderId);
  if (!order || !mayRead(caller, order.userId)) throw orderNotFound(orderId);
  return order;
}

/** The caller's order as it is once final, or as it is after `seconds`. */
export async function getOrderWhenFinal(sql: Sql, watcher: FinalityWatcher, caller: Caller, orderId: string, seconds: number): Promise<Order> {
  const read = () => getOrderOf(sql, caller, orderId);
  return seconds > 0 ? watcher.whenFinal(orderId, seconds, read) : read();
}

export async function listUserOrders(sql: Sql, userId: string, page: PageRequest) {
  return toPage(await listOrders(sql, userId, page.limit, page.cursor), page, (order) => order.id);
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
