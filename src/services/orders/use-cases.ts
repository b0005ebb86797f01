import { type Caller, mayRead } from '../../platform/access/index.ts';
import { newId } from '../../platform/common/index.ts';
import type { Database, Sql, Tx } from '../../platform/database/index.ts';
import { type StoredResponse, withIdempotencyKey } from '../../platform/http/index.ts';
import type { Correlation } from '../../platform/messaging/index.ts';
import type { ServiceDeps } from '../../platform/runtime/index.ts';
import { type PageRequest, toPage } from '../../platform/schemas/index.ts';
import type { Order, PlaceOrderBody } from './contract.ts';
import { orderNotFound, userFilterRequired } from './errors.ts';
import type { FinalityWatcher } from './finality.ts';
import { findOrder, insertOrders, listOrders } from './repository.ts';
import type { OrdersStyle } from './styles.ts';

interface Placement {
  id: string;
  input: PlaceOrderBody;
  correlation: Correlation;
}

export interface OrderRequest {
  input: PlaceOrderBody;
  idempotencyKey: string | undefined;
  correlation: Correlation;
}

/**
 * How a service places orders. Without an Idempotency-Key, orders placed at about the same time may share one
 * transaction (the speed layer's group commit); one with a key gets its own, which also claims the key. The style
 * says what goes out with the order, and in the http styles asks billing right after the commit; a replay answers
 * with the order as it is now, settled.
 */
export function orderPlacement({ db, metrics, speed, paymentDeadlineMs }: Pick<ServiceDeps, 'db' | 'metrics' | 'speed' | 'paymentDeadlineMs'>, style: OrdersStyle) {
  /** Writes pending orders and what the style sends with them. */
  async function writeOrders(tx: Tx, placements: Placement[]): Promise<Order[]> {
    const process = style.placing(new Date(), paymentDeadlineMs);
    const orders = await insertOrders(tx, placements.map(({ id, input }) => ({ id, ...input, ...process })));
    style.placed(tx, orders.map((order, i) => ({ order, correlation: (placements[i] as Placement).correlation })));
    return orders;
  }
  const placeTogether = speed.writes('orders.place', db, metrics, writeOrders);

  /** Places a pending order; billing will try to pay for it. */
  return async function placeOrder({ input, idempotencyKey, correlation }: OrderRequest, id = newId()) {
    const placed =
      idempotencyKey === undefined
        ? { status: 201, body: await placeTogether({ id, input, correlation }), replayed: false }
        : await db.transaction((tx) =>
            withIdempotencyKey(tx, { key: idempotencyKey, scope: `orders.place:${input.userId}`, body: input }, async (): Promise<StoredResponse<Order>> => {
              const [order] = await writeOrders(tx, [{ id, input, correlation }]);
              return { status: 201, body: order as Order };
            }),
          );
    if (placed.replayed) return { ...placed, body: await getOrder(db.sql, placed.body.id) };
    if (style.afterPlaced) return { ...placed, body: await style.afterPlaced(placed.body, correlation) };
    return placed;
  };
}

export type PlaceOrder = ReturnType<typeof orderPlacement>;

/** What placing and reading orders needs: the database, the placement and the watcher of finality. */
export interface OrdersDeps {
  sql: Sql;
  db: Database;
  watcher: FinalityWatcher;
  placeOrder: PlaceOrder;
  style: OrdersStyle;
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
