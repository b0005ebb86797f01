/**
 * The correctness of a streamshop run, from what the load placed and what the API says now (bench/streamshop.ts
 * reads it back): every order final and as expected, one payment line per paid order, money conserved, one letter
 * per order. The same pass keeps each order's server-side timestamps, from which the stage timings are computed.
 */
import type { OrderRecord } from './load.ts';
import type { Check, Letter, OrderTimes, Transaction, UserState } from './streamshop.ts';

/** What the pass over every user's state found wrong (the orders' ids, or what disagrees), and what it counted. */
interface Findings {
  notFinal: string[];
  unknown: string[];
  missing: number;
  unexpected: string[];
  payments: string[];
  money: string[];
  letters: string[];
  listed: number;
  paid: number;
  paymentLines: number;
}

/** The correctness of a run, from what the load placed and what the API says now. */
export function checkStreamshop(records: OrderRecord[], users: UserState[]): { checks: Check[]; times: Map<string, OrderTimes> } {
  const placed = records.filter((r) => r.http === 201 && r.orderId);
  const byId = new Map(placed.map((r) => [r.orderId as string, r]));
  const found: Findings = { notFinal: [], unknown: [], missing: 0, unexpected: [], payments: [], money: [], letters: [], listed: 0, paid: 0, paymentLines: 0 };
  const times = new Map<string, OrderTimes>();
  for (const user of users) {
    checkOrders(user, byId, found, times);
    checkMoney(user, found.money);
  }
  for (const id of byId.keys()) if (!times.has(id)) found.missing++;
  return { checks: checksOf(records, placed, users.length, found), times };
}

/**
 * Each order of a user against what the load placed, its payment lines and its letters, its timestamps kept in
 * times; then the payment lines and letters of the user that no order of theirs claims.
 */
function checkOrders(user: UserState, byId: Map<string, OrderRecord>, found: Findings, times: Map<string, OrderTimes>): void {
  const payments = new Map<string, Transaction[]>();
  for (const line of user.transactions.filter((t) => t.type === 'payment')) {
    payments.set(line.orderId ?? '', [...(payments.get(line.orderId ?? '') ?? []), line]);
    found.paymentLines++;
  }
  const letters = new Map<string, Letter[]>();
  for (const letter of user.letters.filter((l) => l.orderId)) {
    letters.set(letter.orderId as string, [...(letters.get(letter.orderId as string) ?? []), letter]);
  }
  for (const order of user.orders) {
    found.listed++;
    const record = byId.get(order.id);
    if (!record) found.unknown.push(order.id);
    if (order.status !== 'paid' && order.status !== 'rejected') found.notFinal.push(order.id);
    if (record) {
      const expected = record.affordable ? 'paid' : 'rejected';
      if (order.status !== expected || (expected === 'rejected' && order.reason !== 'insufficient_funds')) {
        found.unexpected.push(`${order.id}: ${order.status}/${order.reason ?? ''}, expected ${expected}`);
      }
    }
    const lines = payments.get(order.id) ?? [];
    if (order.status === 'paid') found.paid++;
    const wantLines = order.status === 'paid' ? 1 : 0;
    if (lines.length !== wantLines || (lines[0] && lines[0].amount !== order.price)) {
      found.payments.push(`${order.id} (${order.status}): ${lines.length} payment lines`);
    }
    const orderLetters = letters.get(order.id) ?? [];
    const kind = order.status === 'paid' ? 'order_paid' : 'order_rejected';
    if (orderLetters.length !== 1 || orderLetters[0]?.kind !== kind) {
      found.letters.push(`${order.id} (${order.status}): ${orderLetters.map((l) => l.kind).join(',') || 'no letter'}`);
    }
    times.set(order.id, {
      created: Date.parse(order.createdAt),
      final: Date.parse(order.updatedAt),
      ...(lines[0] ? { decided: Date.parse(lines[0].createdAt) } : {}),
      ...(orderLetters[0] ? { letter: Date.parse(orderLetters[0].createdAt) } : {}),
    });
    letters.delete(order.id);
    payments.delete(order.id);
  }
  for (const orderId of letters.keys()) found.letters.push(`letter for unknown order ${orderId}`);
  for (const orderId of payments.keys()) found.payments.push(`payment for unknown order ${orderId}`);
}

/** balance = deposits − withdrawals − payments + refunds, and every line's running balance agrees (oldest first). */
function checkMoney(user: UserState, problems: string[]): void {
  let running = 0;
  const sums = { deposit: 0, withdrawal: 0, payment: 0, refund: 0 };
  for (const line of [...user.transactions].reverse()) {
    sums[line.type] += line.amount;
    running += line.type === 'deposit' || line.type === 'refund' ? line.amount : -line.amount;
    if (line.balance !== running) problems.push(`${user.userId}: line ${line.transactionId} says ${line.balance}, sum is ${running}`);
  }
  const expected = sums.deposit - sums.withdrawal - sums.payment + sums.refund;
  if (user.balance !== expected) problems.push(`${user.userId}: balance ${user.balance} ≠ ${sums.deposit} − ${sums.withdrawal} − ${sums.payment} + ${sums.refund}`);
}

/** The checks as the report shows them, each with its first three offenders. */
function checksOf(records: OrderRecord[], placed: OrderRecord[], accounts: number, found: Findings): Check[] {
  const failedRequests = records.length - placed.length;
  const show = (list: string[]) => (list.length ? `: ${list.slice(0, 3).join('; ')}${list.length > 3 ? ' …' : ''}` : '');
  const pendingAnswers = placed.filter((r) => r.status === 'pending').length;
  return [
    { name: 'every request answered 201', ok: failedRequests === 0, detail: `${failedRequests} of ${records.length} failed`, fatal: true },
    {
      name: 'every order final',
      ok: found.notFinal.length === 0 && found.missing === 0,
      detail: `${found.listed} listed, ${found.notFinal.length} not final, ${found.missing} placed but not listed${show(found.notFinal)}`,
      fatal: true,
    },
    { name: 'no orders nobody placed', ok: found.unknown.length === 0, detail: `${found.unknown.length} unknown${show(found.unknown)}`, fatal: true },
    {
      name: 'outcomes as expected (affordable paid, others rejected)',
      ok: found.unexpected.length === 0,
      detail: `${found.unexpected.length} unexpected${show(found.unexpected)}`,
      fatal: true,
    },
    {
      name: 'ledger payment lines = paid orders',
      ok: found.payments.length === 0 && found.paymentLines === found.paid,
      detail: `${found.paymentLines} payment lines, ${found.paid} paid orders${show(found.payments)}`,
      fatal: true,
    },
    {
      name: 'money conserved per account',
      ok: found.money.length === 0,
      detail: `${accounts} accounts, ${found.money.length} disagree${show(found.money)}`,
      fatal: true,
    },
    { name: 'one letter per order', ok: found.letters.length === 0, detail: `${found.letters.length} wrong${show(found.letters)}`, fatal: true },
    {
      name: 'answered final within Prefer: wait=30',
      ok: pendingAnswers === 0,
      detail: `${pendingAnswers} answered pending`,
      fatal: false,
    },
  ];
}
