/**
 * What the API says about a phase's orders once things settled: each order with the money its ledger lines moved
 * and its letters, and the accounts whose ledger does not add up. Read as an operator, through the public API.
 */
import type { Letter, Order, UserState } from '../streamshop.ts';

export interface OrderView {
  order: Order;
  /** payment and refund lines of the order in its user's ledger */
  payments: number;
  refunds: number;
  letters: Letter[];
}

export const isFinal = (order: Order) => order.status === 'paid' || order.status === 'rejected' || order.status === 'cancelled';

/** The net number of charges the order should have in the end: one when paid, none otherwise. */
export const chargesOwed = (order: Order) => (order.status === 'paid' ? 1 : 0);

/** Every order created at or after `since` (epoch ms), with its ledger lines and letters. */
export function ordersSince(users: UserState[], since: number): OrderView[] {
  const views: OrderView[] = [];
  for (const user of users) {
    const lines = new Map<string, { payments: number; refunds: number }>();
    for (const line of user.transactions) {
      if (!line.orderId || (line.type !== 'payment' && line.type !== 'refund')) continue;
      const moved = lines.get(line.orderId) ?? { payments: 0, refunds: 0 };
      if (line.type === 'payment') moved.payments++;
      else moved.refunds++;
      lines.set(line.orderId, moved);
    }
    const letters = Map.groupBy(
      user.letters.filter((l) => l.orderId),
      (l) => l.orderId as string,
    );
    for (const order of user.orders) {
      if (Date.parse(order.createdAt) < since) continue;
      views.push({ order, ...(lines.get(order.id) ?? { payments: 0, refunds: 0 }), letters: letters.get(order.id) ?? [] });
    }
  }
  return views;
}

/**
 * Accounts whose ledger does not add up: the balance is not deposits − withdrawals − payments + refunds, or a line's
 * running balance is not the sum of the lines before it (oldest first).
 */
export function accountsOff(users: UserState[]): string[] {
  const off: string[] = [];
  for (const user of users) {
    let running = 0;
    let consistent = true;
    for (const line of [...user.transactions].reverse()) {
      running += line.type === 'deposit' || line.type === 'refund' ? line.amount : -line.amount;
      if (line.balance !== running) consistent = false;
    }
    if (!consistent || running !== user.balance) off.push(`${user.userId}: balance ${user.balance}, lines add up to ${running}`);
  }
  return off;
}

/** Charged more than once: more than one payment line, or more payments than refunds by more than one. */
export const chargedTwice = (view: OrderView) => view.payments > 1 || view.payments - view.refunds > 1;

/** The money an order moved disagrees with its status: a paid order not charged once, another one left charged. */
export const leftCharged = (view: OrderView) => isFinal(view.order) && view.payments - view.refunds !== chargesOwed(view.order);

/** The letter a final order should have. */
export const letterKind = (order: Order) => (order.status === 'paid' ? 'order_paid' : order.status === 'rejected' ? 'order_rejected' : 'order_cancelled');
