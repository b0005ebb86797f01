import type { Sql, Tx } from '../../platform/database/index.ts';
import type { Order } from './contract.ts';

export interface OrderRow {
  id: string;
  user_id: string;
  price: string;
  status: Order['status'];
  reason: Order['reason'] | null;
  created_at: Date;
  updated_at: Date;
}

/** The API's order from its row (the bench's floor answers with the same). */
export const toOrder = (row: OrderRow): Order => ({
  id: row.id,
  userId: row.user_id,
  price: Number(row.price),
  currency: 'RUB',
  status: row.status,
  ...(row.reason ? { reason: row.reason } : {}),
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

const COLUMNS = 'id, user_id, price, status, reason, created_at, updated_at';

/** Inserts pending orders; answers them in the order given. */
export async function insertOrders(tx: Tx, orders: { id: string; userId: string; price: number }[]): Promise<Order[]> {
  const rows = orders.map((o) => ({ id: o.id, user_id: o.userId, price: o.price }));
  const inserted = await tx<OrderRow[]>`
    INSERT INTO orders ${tx(rows as Record<string, string | number>[], 'id', 'user_id', 'price')}
    RETURNING ${tx.unsafe(COLUMNS)}`;
  const byId = new Map(inserted.map((row) => [row.id, toOrder(row)]));
  return orders.map((o) => byId.get(o.id) as Order);
}

export async function findOrder(sql: Sql, id: string): Promise<Order | undefined> {
  const [row] = await sql<OrderRow[]>`SELECT ${sql.unsafe(COLUMNS)} FROM orders WHERE id = ${id}`;
  return row && toOrder(row);
}

/** Orders newest first: one user's, or everyone's when `userId` is undefined. */
export async function listOrders(sql: Sql, userId: string | undefined, limit: number, before?: string): Promise<Order[]> {
  const rows = await sql<OrderRow[]>`
    SELECT ${sql.unsafe(COLUMNS)} FROM orders
    WHERE true ${userId ? sql`AND user_id = ${userId}` : sql``} ${before ? sql`AND id < ${before}` : sql``}
    ORDER BY id DESC LIMIT ${limit}`;
  return rows.map(toOrder);
}

/** Moves a pending order to its final status; returns undefined when it was not pending (already final). */
export async function finishOrder(
  tx: Tx,
  id: string,
  outcome: { status: 'paid' } | { status: 'rejected'; reason: NonNullable<Order['reason']> },
): Promise<Order | undefined> {
  const reason = outcome.status === 'rejected' ? outcome.reason : null;
  const [row] = await tx<OrderRow[]>`
    UPDATE orders SET status = ${outcome.status}, reason = ${reason}, updated_at = now()
    WHERE id = ${id} AND status = 'pending'
    RETURNING ${tx.unsafe(COLUMNS)}`;
  return row && toOrder(row);
}
