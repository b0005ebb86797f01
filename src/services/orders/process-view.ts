/**
 * "Where is order X?": what the process of an order is doing, for operators — its follow-up (what it waits for,
 * since when, how often it tried), its deadline, and what operators did to it by hand — and the orders that need
 * a look: overdue follow-ups, saga orders past their deadline, cancellations billing has not confirmed.
 */
import Type, { type Static } from 'typebox';
import type { Sql, Tx } from '../../platform/database/index.ts';
import { Text, Timestamp, Uuid } from '../../platform/schemas/index.ts';
import { Order } from './contract.ts';

/** How long past its time a follow-up may be before the order counts as overdue (the timer looks every second). */
export const OVERDUE_AFTER_SECONDS = 10;
/** How long a cancellation may wait for billing's confirmation before it counts as stuck. */
export const STUCK_CANCELLING_SECONDS = 30;

export const ProcessAction = Type.Object({
  action: Type.Enum(['retry', 'compensate'], { description: 'retry: follow up now; compensate: reject and give back whatever was charged' }),
  by: Type.Object({ userId: Uuid('The operator'), email: Type.String() }),
  reason: Type.String({ description: 'Why, as the operator wrote it' }),
  at: Timestamp('When'),
});

export const OrderProcess = Type.Object({
  order: Order,
  step: Type.Union([Type.Enum(['charge', 'refund']), Type.Null()], { description: 'What the process waits for billing to do: charge, refund (or void), or nothing' }),
  attempts: Type.Integer({ minimum: 0, description: 'How often the current step was asked for' }),
  nextAttemptAt: Type.Union([Timestamp('When the step is asked for again'), Type.Null()]),
  deadline: Type.Union([Timestamp('saga: when an unanswered charge makes the order rejected (payment_timeout)'), Type.Null()]),
  overdue: Type.Boolean({ description: 'Its step is overdue, it is past its deadline, or its cancellation is not confirmed after 30 s' }),
  actions: Type.Array(ProcessAction, { description: 'What operators did to it by hand, oldest first' }),
});
export type OrderProcess = Static<typeof OrderProcess>;

export const ProcessActionBody = Type.Object(
  { reason: Text({ minLength: 1, maxLength: 500, description: 'Why; kept with the order', examples: ['billing was restored; settle it now'] }) },
  { additionalProperties: false },
);

const OVERDUE = `(follow_up_at < now() - make_interval(secs => ${OVERDUE_AFTER_SECONDS})
  OR (status = 'pending' AND deadline_at < now() - make_interval(secs => ${OVERDUE_AFTER_SECONDS}))
  OR (status = 'cancelling' AND updated_at < now() - make_interval(secs => ${STUCK_CANCELLING_SECONDS})))`;

/** How many orders need an operator's look now (the orders_overdue gauge, and its alert). */
export async function countOverdue(sql: Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM orders WHERE ${sql.unsafe(OVERDUE)}`;
  return row?.n ?? 0;
}

interface ProcessRow {
  id: string;
  follow_up: 'charge' | 'refund' | null;
  follow_up_at: Date | null;
  attempts: number;
  deadline_at: Date | null;
  overdue: boolean;
}

/** The processes of these orders (or of the overdue ones, oldest first), with the operators' actions. */
export async function readProcesses(sql: Sql | Tx, orders: Order[]): Promise<OrderProcess[]> {
  const ids = orders.map((order) => order.id);
  const rows = await sql<ProcessRow[]>`
    SELECT id, follow_up, follow_up_at, attempts, deadline_at, ${sql.unsafe(OVERDUE)} AS overdue FROM orders WHERE id = ANY(${ids}::uuid[])`;
  const actions = await sql<{ order_id: string; action: 'retry' | 'compensate'; by_user_id: string; by_email: string; reason: string; at: Date }[]>`
    SELECT order_id, action, by_user_id, by_email, reason, at FROM process_actions WHERE order_id = ANY(${ids}::uuid[]) ORDER BY id`;
  const byId = new Map(rows.map((row) => [row.id, row]));
  return orders.map((order) => {
    const row = byId.get(order.id) as ProcessRow;
    return {
      order,
      step: row.follow_up,
      attempts: row.attempts,
      nextAttemptAt: row.follow_up_at?.toISOString() ?? null,
      deadline: row.deadline_at?.toISOString() ?? null,
      overdue: row.overdue,
      actions: actions
        .filter((a) => a.order_id === order.id)
        .map((a) => ({ action: a.action, by: { userId: a.by_user_id, email: a.by_email }, reason: a.reason, at: a.at.toISOString() })),
    };
  });
}

/** The ids of the orders that need a look, oldest first. */
export async function overdueOrderIds(sql: Sql, limit: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`SELECT id FROM orders WHERE ${sql.unsafe(OVERDUE)} ORDER BY id LIMIT ${limit}`;
  return rows.map((row) => row.id);
}

export async function recordAction(tx: Tx, orderId: string, action: { action: 'retry' | 'compensate'; by: { userId: string; email: string }; reason: string }): Promise<void> {
  await tx`
    INSERT INTO process_actions (order_id, action, by_user_id, by_email, reason)
    VALUES (${orderId}, ${action.action}, ${action.by.userId}, ${action.by.email}, ${action.reason})`;
}
