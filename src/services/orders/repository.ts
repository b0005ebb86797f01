import type { Sql, Tx } from '../../platform/database/index.ts';
import type { Order } from './contract.ts';
import type { OrderState, RefundCause } from './order-process.ts';

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
const PROCESS_COLUMNS = `${COLUMNS}, refunded, follow_up, follow_up_at, refund_cause, attempts, deadline_at`;

/** What orders still has to do about an order: ask for the charge (again) or for the money back, and when. */
export interface FollowUp {
  action: 'charge' | 'refund';
  at: Date;
  /** For a refund: why (the refund command and the call name it). */
  cause?: RefundCause;
}

/** An order with its process: what the pure decisions read, and what the process timer works on. */
export interface OrderRecord {
  order: Order;
  state: OrderState;
  followUp: FollowUp | undefined;
  attempts: number;
  deadlineAt: Date | undefined;
}

interface ProcessRow extends OrderRow {
  refunded: boolean | null;
  follow_up: FollowUp['action'] | null;
  follow_up_at: Date | null;
  refund_cause: RefundCause | null;
  attempts: number;
  deadline_at: Date | null;
}

const toRecord = (row: ProcessRow): OrderRecord => ({
  order: toOrder(row),
  state: { status: row.status, reason: row.reason ?? undefined, refunded: row.refunded ?? undefined },
  followUp: row.follow_up && row.follow_up_at ? { action: row.follow_up, at: row.follow_up_at, ...(row.refund_cause ? { cause: row.refund_cause } : {}) } : undefined,
  attempts: row.attempts,
  deadlineAt: row.deadline_at ?? undefined,
});

export interface NewOrder {
  id: string;
  userId: string;
  price: number;
  /** When placement already knows there is a follow-up (the saga's first resend, the http styles' crash guard). */
  followUp?: FollowUp;
  deadlineAt?: Date;
}

/** Inserts pending orders; answers them in the order given. */
export async function insertOrders(tx: Tx, orders: NewOrder[]): Promise<Order[]> {
  const rows = orders.map((o) => ({
    id: o.id,
    user_id: o.userId,
    price: o.price,
    follow_up: o.followUp?.action ?? null,
    follow_up_at: o.followUp?.at ?? null,
    deadline_at: o.deadlineAt ?? null,
  }));
  const inserted = await tx<OrderRow[]>`
    INSERT INTO orders ${tx(rows as Record<string, string | number | Date | null>[], 'id', 'user_id', 'price', 'follow_up', 'follow_up_at', 'deadline_at')}
    RETURNING ${tx.unsafe(COLUMNS)}`;
  const byId = new Map(inserted.map((row) => [row.id, toOrder(row)]));
  return orders.map((o) => byId.get(o.id) as Order);
}

export async function findOrder(sql: Sql, id: string): Promise<Order | undefined> {
  const [row] = await sql<OrderRow[]>`SELECT ${sql.unsafe(COLUMNS)} FROM orders WHERE id = ${id}`;
  return row && toOrder(row);
}

/** The order and its process, locked until the transaction ends: one decision about an order at a time. */
export async function lockOrder(tx: Tx, id: string): Promise<OrderRecord | undefined> {
  const [row] = await tx<ProcessRow[]>`SELECT ${tx.unsafe(PROCESS_COLUMNS)} FROM orders WHERE id = ${id} FOR UPDATE`;
  return row && toRecord(row);
}

/** Orders newest first: one user's, or everyone's when `userId` is undefined. */
export async function listOrders(sql: Sql, userId: string | undefined, limit: number, before?: string): Promise<Order[]> {
  const rows = await sql<OrderRow[]>`
    SELECT ${sql.unsafe(COLUMNS)} FROM orders
    WHERE true ${userId ? sql`AND user_id = ${userId}` : sql``} ${before ? sql`AND id < ${before}` : sql``}
    ORDER BY id DESC LIMIT ${limit}`;
  return rows.map(toOrder);
}

/** Stores a decided state. */
export async function saveState(tx: Tx, id: string, state: OrderState): Promise<Order> {
  const [row] = await tx<OrderRow[]>`
    UPDATE orders SET status = ${state.status}, reason = ${state.reason ?? null}, refunded = ${state.refunded ?? null}, updated_at = now()
    WHERE id = ${id} RETURNING ${tx.unsafe(COLUMNS)}`;
  return toOrder(row as OrderRow);
}

/** Sets the order's follow-up (counting the attempts of the same action), or clears it when billing has answered. */
export async function setFollowUp(tx: Tx, id: string, followUp: FollowUp | undefined, attempts: number): Promise<void> {
  await tx`
    UPDATE orders SET follow_up = ${followUp?.action ?? null}, follow_up_at = ${followUp?.at ?? null},
      refund_cause = ${followUp?.cause ?? null}, attempts = ${attempts}
    WHERE id = ${id}`;
}

/** The orders whose follow-up is due, locked for this transaction; a replica that locked some first is skipped, not waited for. */
export async function dueFollowUps(tx: Tx, limit: number): Promise<OrderRecord[]> {
  const rows = await tx<ProcessRow[]>`
    SELECT ${tx.unsafe(PROCESS_COLUMNS)} FROM orders WHERE follow_up_at <= now()
    ORDER BY follow_up_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
  return rows.map(toRecord);
}

/**
 * Orders left in flight by an earlier run (another style, a crash): pending or cancelling with nothing scheduled.
 * Each gets a follow-up now, which the current style carries out its own way.
 */
export async function adoptOrdersInFlight(sql: Sql, deadlineMs: number): Promise<number> {
  const adopted = await sql`
    UPDATE orders SET
      follow_up = CASE status WHEN 'pending' THEN 'charge' ELSE 'refund' END,
      refund_cause = CASE status WHEN 'cancelling' THEN 'cancelled_by_user' END,
      follow_up_at = now(), attempts = 0,
      deadline_at = coalesce(deadline_at, now() + make_interval(secs => ${deadlineMs / 1000}))
    WHERE status IN ('pending', 'cancelling') AND follow_up IS NULL AND updated_at < now() - interval '2 seconds'`;
  return adopted.count;
}
