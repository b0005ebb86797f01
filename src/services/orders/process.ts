/**
 * Drives one order through its process: lock it, decide (order-process.ts), store the next state, and have the
 * style carry out the effects — in the same transaction what can be (outbox events and commands, a follow-up
 * scheduled), after the commit what cannot (internal calls). The one place every style goes through.
 */
import type { Tx } from '../../platform/database/index.ts';
import type { Correlation } from '../../platform/messaging/index.ts';
import type { Order } from './contract.ts';
import { type Decision, decide, type Effect, type OrderMessage } from './order-process.ts';
import { lockOrder, type OrderRecord, saveState, setFollowUp } from './repository.ts';
import type { OrdersStyle } from './styles.ts';

export interface Applied {
  decision: Decision;
  order: Order;
  /** The effects the style still has to carry out once the transaction has committed. */
  afterCommit: Effect[];
}

/** Whether a message answers what the order's follow-up is waiting for (then the follow-up is done). */
function answers(message: OrderMessage, record: OrderRecord): boolean {
  const action = record.followUp?.action;
  if (action === 'charge') return message.kind === 'charged' || message.kind === 'refused';
  if (action === 'refund') return message.kind === 'refunded' || message.kind === 'voided';
  return false;
}

/** Applies a message to an order in `tx`; undefined when there is no such order. */
export async function applyMessage(tx: Tx, orderId: string, message: OrderMessage, context: { style: OrdersStyle; correlation: Correlation }): Promise<Applied | undefined> {
  const record = await lockOrder(tx, orderId);
  if (!record) return undefined;
  return applyToRecord(tx, record, message, context);
}

/** The same, for an order the caller has locked already (the process timer's). */
export async function applyToRecord(tx: Tx, record: OrderRecord, message: OrderMessage, { style, correlation }: { style: OrdersStyle; correlation: Correlation }): Promise<Applied> {
  if (answers(message, record)) {
    await setFollowUp(tx, record.order.id, undefined, 0);
    record = { ...record, followUp: undefined, attempts: 0 };
  }
  const decision = decide(record.state, message);
  if (decision.kind !== 'change') return { decision, order: record.order, afterCommit: [] };
  const order = await saveState(tx, record.order.id, decision.next);
  const afterCommit: Effect[] = [];
  for (const effect of decision.effects) {
    if ((await style.inTransaction(tx, { order, next: decision.next }, effect, correlation)) === 'after-commit') afterCommit.push(effect);
  }
  return { decision, order, afterCommit };
}
