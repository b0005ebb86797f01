import type { Logger } from 'pino';
import { OrderCreatedV1, OrderPaidV1, OrderRejectedV1, type PaymentRejected, type PaymentSucceeded } from '../../contracts/events.ts';
import { type Caller, mayRead } from '../../platform/access/index.ts';
import { newId } from '../../platform/common/index.ts';
import type { Sql, Tx } from '../../platform/database/index.ts';
import { type StoredResponse, withIdempotencyKey } from '../../platform/http/index.ts';
import { appendToOutbox, type Correlation, newEvent } from '../../platform/messaging/index.ts';
import type { ServiceDeps } from '../../platform/runtime/index.ts';
import { type PageRequest, toPage } from '../../platform/schemas/index.ts';
import type { Order, PlaceOrderBody } from './contract.ts';
import { orderNotFound, userFilterRequired } from './errors.ts';
import { announceFinal, type FinalityWatcher } from './finality.ts';
import { findOrder, finishOrder, insertOrders, listOrders } from './repository.ts';

interface Placement {
  id: string;
  input: PlaceOrderBody;
  correlation: Correlation;
}

/** Writes pending orders and their orders.order.created events. */
async function writeOrders(tx: Tx, placements: Placement[]): Promise<Order[]> {
  const orders = await insertOrders(tx, placements.map(({ id, input }) => ({ id, ...input })));
  appendToOutbox(
    tx,
    placements.map(({ id, input, correlation }) =>
      newEvent('orders', OrderCreatedV1, { orderId: id, userId: input.userId, price: input.price, currency: 'RUB' }, correlation),
    ),
  );
  return orders;
}

export interface OrderRequest {
  input: PlaceOrderBody;
  idempotencyKey: string | undefined;
  correlation: Correlation;
}

/**
 * How a service places orders. Without an Idempotency-Key, orders placed at about the same time may share one
 * transaction (the speed layer's group commit); one with a key gets its own, which also claims the key.
 */
export function orderPlacement({ db, metrics, speed }: Pick<ServiceDeps, 'db' | 'metrics' | 'speed'>) {
  const placeTogether = speed.writes('orders.place', db, metrics, writeOrders);
  /** Places a pending order; billing will try to pay for it. */
  return async function placeOrder({ input, idempotencyKey, correlation }: OrderRequest, id = newId()) {
    if (idempotencyKey === undefined) return { status: 201, body: await placeTogether({ id, input, correlation }), replayed: false };
    const request = { key: idempotencyKey, scope: `orders.place:${input.userId}`, body: input };
    return db.transaction((tx) =>
      withIdempotencyKey(tx, request, async (): Promise<StoredResponse<Order>> => {
        const [order] = await writeOrders(tx, [{ id, input, correlation }]);
        return { status: 201, body: order as Order };
      }),
    );
  };
}

export type PlaceOrder = ReturnType<typeof orderPlacement>;

/** What placing and reading orders needs: the database, the placement and the watcher of finality. */
export interface OrdersDeps {
  sql: Sql;
  watcher: FinalityWatcher;
  placeOrder: PlaceOrder;
}

/** Places an order and, when `seconds` > 0, answers with it once final (or as it is after `seconds`). */
export async function placeOrderAndWait({ sql, watcher, placeOrder }: OrdersDeps, request: OrderRequest, seconds: number) {
  if (seconds <= 0) return placeOrder(request);
  const id = newId();
  // Listening starts before the order exists, so its announcement cannot come too early, and needs no read.
  const listening = watcher.listen(id);
  try {
    const placed = await placeOrder(request, id);
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

/** The caller's order as it is once final, or as it is after `seconds`; someone else's is not found, as if it did not exist. */
export async function getOrderWhenFinal({ sql, watcher }: OrdersDeps, caller: Caller, orderId: string, seconds: number): Promise<Order> {
  const read = async () => {
    const order = await findOrder(sql, orderId);
    if (!order || !mayRead(caller, order.userId)) throw orderNotFound(orderId);
    return order;
  };
  return seconds > 0 ? watcher.whenFinal(orderId, seconds, read) : read();
}

/** A user's orders; an operator may ask for everyone's by naming nobody, a user must name themselves. */
export async function listOrdersFor(sql: Sql, caller: Caller, userId: string | undefined, page: PageRequest) {
  if (userId === undefined && caller.role !== 'admin') throw userFilterRequired();
  return toPage(await listOrders(sql, userId, page.limit, page.cursor), page, (order) => order.id);
}

export async function markPaid(tx: Tx, payment: PaymentSucceeded, correlation: Correlation, log: Logger): Promise<void> {
  const order = await finishOrder(tx, payment.orderId, { status: 'paid' });
  if (!order) return log.warn({ orderId: payment.orderId }, 'payment for an order that is not pending; ignored');
  appendToOutbox(tx, [newEvent('orders', OrderPaidV1, { orderId: order.id, userId: order.userId, price: order.price }, correlation)]);
  announceFinal(tx, order);
}

export async function markRejected(tx: Tx, refusal: PaymentRejected, correlation: Correlation, log: Logger): Promise<void> {
  const order = await finishOrder(tx, refusal.orderId, { status: 'rejected', reason: refusal.reason });
  if (!order) return log.warn({ orderId: refusal.orderId }, 'refusal for an order that is not pending; ignored');
  const data = { orderId: order.id, userId: order.userId, price: order.price, reason: refusal.reason };
  appendToOutbox(tx, [newEvent('orders', OrderRejectedV1, data, correlation)]);
  announceFinal(tx, order);
}
