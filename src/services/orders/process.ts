/**
 * Drives one order through its process: lock it, decide (order-process.ts), store the next state, and have the
 * style carry out the effects — in the same transaction what can be (outbox events and commands, a follow-up
 * scheduled), after the commit what cannot (internal calls). The one place every style goes through.
 */
import type { Tx } from '../../platform/database/index.ts';
import type { Correlation } from '../../platform/messaging/index.ts';
import type { Order } from './contract.ts';
import { type Decision, decide, type Effect, type OrderMessage } from './order-process.ts';
import { lockOrder, type OrderRecord, saveState, saveStateIfAwaitingCharge, setFollowUp } from './repository.ts';
import type { OrdersStyle } from './styles.ts';

export interface Applied {
  decision: Decision;
  order: Order;
  /** The effects the style still has to carry out once the transaction has committed. */
  afterCommit: Effect[];
}

interface ApplyContext {
  style: OrdersStyle;
  correlation: Correlation;
}

/** Whether a message answers what the order's follow-up is waiting for (then the follow-up is done). */
function answers(message: OrderMessage, record: OrderRecord): boolean {
  const action = record.followUp?.action;
  if (action === 'charge') return message.kind === 'charged' || message.kind === 'refused';
  if (action === 'refund') return message.kind === 'refunded' || message.kind === 'voided';
  return false;
}

/**
 * Applies a message to an order in `tx`; undefined when there is no such order.
 *
 * Billing's answer to a charge nearly always finds its order pending and waiting for that answer alone: then it is
 * decided for a pending order and stored by one update that holds only while the order is so, and that locks it,
 * one round trip where locking, reading and storing take two. Otherwise the order is locked, read and decided from
 * what it is. Either way the decision is decide()'s.
 */
export async function applyMessage(tx: Tx, orderId: string, message: OrderMessage, context: ApplyContext): Promise<Applied | undefined> {
  if (message.kind === 'charged' || message.kind === 'refused') {
    const decision = decide({ status: 'pending' }, message);
    if (decision.kind === 'change') {
      const order = await saveStateIfAwaitingCharge(tx, orderId, decision.next);
      if (order) return carryOut(tx, { decision, order }, context);
    }
  }
  const record = await lockOrder(tx, orderId);
  if (!record) return undefined;
  return applyToRecord(tx, record, message, context);
}

/** The same, for an order the caller has locked already (the process timer's). */
export async function applyToRecord(tx: Tx, record: OrderRecord, message: OrderMessage, context: ApplyContext): Promise<Applied> {
  if (answers(message, record)) {
    await setFollowUp(tx, record.order.id, undefined, 0);
    record = { ...record, followUp: undefined, attempts: 0 };
  }
  const decision = decide(record.state, message);
  if (decision.kind !== 'change') return { decision, order: record.order, afterCommit: [] };
  const order = await saveState(tx, record.order.id, decision.next);
  return carryOut(tx, { decision, order }, context);
}

/** Has the style carry out a stored decision's effects: in the transaction what can be, the rest after the commit. */
async function carryOut(tx: Tx, { decision, order }: { decision: Decision & { kind: 'change' }; order: Order }, { style, correlation }: ApplyContext): Promise<Applied> {
  const afterCommit: Effect[] = [];
  for (const effect of decision.effects) {
    if ((await style.inTransaction(tx, { order, next: decision.next }, effect, correlation)) === 'after-commit') afterCommit.push(effect);
  }
  return { decision, order, afterCommit };
}
