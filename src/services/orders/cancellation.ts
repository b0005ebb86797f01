/**
 * `POST /orders/{orderId}/cancellation`: the owner (or an operator) asks; the order becomes cancelling, billing is
 * asked to give the payment back or void it (by an event, a command or a call, as the style does), and the order is
 * cancelled once billing confirmed. The answer says which it is now: 200 cancelled, or 202 cancelling.
 */
import { type Caller, mayRead } from '../../platform/access/index.ts';
import { AppError } from '../../platform/common/index.ts';
import type { Database } from '../../platform/database/index.ts';
import { replaceStoredAnswer, type StoredResponse, withIdempotencyKey } from '../../platform/http/index.ts';
import type { Correlation } from '../../platform/messaging/index.ts';
import type { Order } from './contract.ts';
import { orderNotFound } from './errors.ts';
import { applyToRecord } from './process.ts';
import { findOrder, lockOrder } from './repository.ts';
import type { OrdersStyle } from './styles.ts';

export interface CancellationRequest {
  caller: Caller;
  orderId: string;
  idempotencyKey: string | undefined;
  correlation: Correlation;
}

const notCancellable = (order: Order) =>
  new AppError({
    status: 409,
    code: 'not-cancellable',
    title: 'The order cannot be cancelled',
    detail: `Order ${order.id} is ${order.status} already; only a pending or paid order can be cancelled.`,
    extensions: { orderStatus: order.status },
  });

export async function cancelOrder(db: Database, style: OrdersStyle, request: CancellationRequest): Promise<StoredResponse<Order> & { replayed: boolean }> {
  const { caller, orderId, idempotencyKey, correlation } = request;
  let afterCommit: Parameters<OrdersStyle['afterCommit']>[1] = [];
  const idempotent = { key: idempotencyKey, scope: `orders.cancel:${orderId}`, body: { orderId } };
  const answered = await db.transaction((tx) =>
    withIdempotencyKey(tx, idempotent, async (): Promise<StoredResponse<Order>> => {
      // Locked: a payment call in flight (http styles) finishes first; what it did is then given back.
      const record = await lockOrder(tx, orderId);
      if (!record || !mayRead(caller, record.order.userId)) throw orderNotFound(orderId);
      const applied = await applyToRecord(tx, record, { kind: 'cancel' }, { style, correlation });
      if (applied.decision.kind === 'refuse') throw notCancellable(record.order);
      afterCommit = applied.afterCommit;
      return { status: 202, body: applied.order };
    }),
  );
  if (answered.replayed) return answered;
  await style.afterCommit(answered.body, afterCommit, correlation);
  const now = (await findOrder(db.sql, orderId)) ?? answered.body;
  const answer = { status: now.status === 'cancelled' ? 200 : 202, body: now };
  if (answer.status !== answered.status) await replaceStoredAnswer(db.sql, idempotent, answer);
  return { ...answer, replayed: false };
}
