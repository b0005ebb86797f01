import type { Sql, Tx } from '../../platform/database/index.ts';
import type { PaymentRefusal } from '../../contracts/events.ts';
import type { Account, Transaction } from './contract.ts';
import type { Payment, PaymentStatus } from './payments.ts';

interface AccountRow {
  user_id: string;
  balance: string;
  created_at: Date;
  updated_at: Date;
}
interface LedgerRow {
  id: string;
  type: Transaction['type'];
  amount: string;
  balance_after: string;
  order_id: string | null;
  created_at: Date;
}

const toAccount = (row: AccountRow): Account => ({
  userId: row.user_id,
  balance: Number(row.balance),
  currency: 'RUB',
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

const toTransaction = (row: LedgerRow): Transaction => ({
  transactionId: row.id,
  type: row.type,
  amount: Number(row.amount),
  balance: Number(row.balance_after),
  currency: 'RUB',
  ...(row.order_id ? { orderId: row.order_id } : {}),
  createdAt: row.created_at.toISOString(),
});

/** Returns true when the account was opened now, false when it already existed. */
export async function openAccount(tx: Tx, userId: string): Promise<boolean> {
  const rows = await tx`INSERT INTO accounts (user_id) VALUES (${userId}) ON CONFLICT DO NOTHING RETURNING user_id`;
  return rows.length === 1;
}

export async function findAccount(sql: Sql | Tx, userId: string): Promise<Account | undefined> {
  const [row] = await sql<AccountRow[]>`SELECT user_id, balance, created_at, updated_at FROM accounts WHERE user_id = ${userId}`;
  return row && toAccount(row);
}

export async function addToBalance(tx: Tx, userId: string, amount: number): Promise<number | undefined> {
  const [row] = await tx<{ balance: string }[]>`
    UPDATE accounts SET balance = balance + ${amount}, updated_at = now()
    WHERE user_id = ${userId} RETURNING balance`;
  return row && Number(row.balance);
}

/**
 * The one update that moves money out: it cannot overdraw, however many run at once. A statement of its own for a
 * withdrawal, and the first part of a payment's charge (chargeAccount).
 */
const takingFromBalance = (tx: Tx, userId: string, amount: number) => tx<{ balance: string }[]>`
  UPDATE accounts SET balance = balance - ${amount}, updated_at = now()
  WHERE user_id = ${userId} AND balance >= ${amount} RETURNING balance`;

export async function takeFromBalance(tx: Tx, userId: string, amount: number): Promise<number | undefined> {
  const [row] = await takingFromBalance(tx, userId, amount);
  return row && Number(row.balance);
}

/**
 * A payment's charge as one statement: the balance taken (it cannot overdraw), the ledger line with the balance it
 * left, and the payment recorded as charged — all three, or nothing when the balance is short (then undefined).
 * One statement instead of three: the charge is on the path of every order.
 */
export async function chargeAccount(tx: Tx, charge: { paymentId: string; userId: string; amount: number; transactionId: string }): Promise<number | undefined> {
  const { paymentId, userId, amount, transactionId } = charge;
  const [row] = await tx<{ balance: string }[]>`
    WITH taken AS (${takingFromBalance(tx, userId, amount)}), line AS (
      INSERT INTO ledger (id, user_id, type, amount, balance_after, order_id)
      SELECT ${transactionId}, ${userId}, 'payment', ${amount}, balance, ${paymentId} FROM taken
    ), payment AS (
      INSERT INTO payments (payment_id, user_id, amount, status, charge_transaction_id)
      SELECT ${paymentId}, ${userId}, ${amount}, 'charged', ${transactionId} FROM taken
    )
    SELECT balance FROM taken`;
  return row && Number(row.balance);
}

export async function insertLedgerLine(
  tx: Tx,
  line: { id: string; userId: string; type: Transaction['type']; amount: number; balanceAfter: number; orderId?: string },
): Promise<Transaction> {
  const [row] = await tx<LedgerRow[]>`
    INSERT INTO ledger (id, user_id, type, amount, balance_after, order_id)
    VALUES (${line.id}, ${line.userId}, ${line.type}, ${line.amount}, ${line.balanceAfter}, ${line.orderId ?? null})
    RETURNING id, type, amount, balance_after, order_id, created_at`;
  return toTransaction(row as LedgerRow);
}

export async function listLedger(sql: Sql, userId: string, limit: number, before?: string): Promise<Transaction[]> {
  const rows = await sql<LedgerRow[]>`
    SELECT id, type, amount, balance_after, order_id, created_at FROM ledger
    WHERE user_id = ${userId} ${before ? sql`AND seq < (SELECT seq FROM ledger WHERE id = ${before})` : sql``}
    ORDER BY seq DESC LIMIT ${limit}`;
  return rows.map(toTransaction);
}

/** One charge or refund of a payment at a time: the second waits for the first to commit, then sees what it did. */
export async function lockPayment(tx: Tx, paymentId: string): Promise<void> {
  await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`payment:${paymentId}`}, 0))`;
}

/** A payment as recorded, with the balances its charge and refund left (for answering again). */
export interface RecordedPayment extends Payment {
  chargeTransactionId: string | null;
  balanceAfterCharge: number | null;
  refundTransactionId: string | null;
  balanceAfterRefund: number | null;
}

interface PaymentRow {
  payment_id: string;
  user_id: string | null;
  amount: string | null;
  status: PaymentStatus;
  refusal: PaymentRefusal | null;
  charge_transaction_id: string | null;
  charge_balance: string | null;
  refund_transaction_id: string | null;
  refund_balance: string | null;
}

const numberOrNull = (value: string | null) => (value === null ? null : Number(value));

export async function findPayment(tx: Tx, paymentId: string): Promise<RecordedPayment | undefined> {
  const [row] = await tx<PaymentRow[]>`
    SELECT p.payment_id, p.user_id, p.amount, p.status, p.refusal, p.charge_transaction_id, p.refund_transaction_id,
           charge.balance_after AS charge_balance, refund.balance_after AS refund_balance
    FROM payments p
    LEFT JOIN ledger charge ON charge.id = p.charge_transaction_id
    LEFT JOIN ledger refund ON refund.id = p.refund_transaction_id
    WHERE p.payment_id = ${paymentId}`;
  if (!row) return undefined;
  return {
    paymentId: row.payment_id,
    userId: row.user_id,
    amount: numberOrNull(row.amount),
    status: row.status,
    ...(row.refusal ? { refusal: row.refusal } : {}),
    chargeTransactionId: row.charge_transaction_id,
    balanceAfterCharge: numberOrNull(row.charge_balance),
    refundTransactionId: row.refund_transaction_id,
    balanceAfterRefund: numberOrNull(row.refund_balance),
  };
}

/** Records what became of a payment: inserted the first time, updated after (a charge refunded, a refusal voided). */
export async function recordPayment(
  tx: Tx,
  payment: Payment & { chargeTransactionId?: string | null; refundTransactionId?: string | null },
): Promise<void> {
  await tx`
    INSERT INTO payments (payment_id, user_id, amount, status, refusal, charge_transaction_id, refund_transaction_id)
    VALUES (${payment.paymentId}, ${payment.userId}, ${payment.amount}, ${payment.status}, ${payment.refusal ?? null},
            ${payment.chargeTransactionId ?? null}, ${payment.refundTransactionId ?? null})
    ON CONFLICT (payment_id) DO UPDATE SET
      status = EXCLUDED.status, refusal = EXCLUDED.refusal, updated_at = now(),
      user_id = coalesce(payments.user_id, EXCLUDED.user_id), amount = coalesce(payments.amount, EXCLUDED.amount),
      charge_transaction_id = coalesce(payments.charge_transaction_id, EXCLUDED.charge_transaction_id),
      refund_transaction_id = EXCLUDED.refund_transaction_id`;
}
