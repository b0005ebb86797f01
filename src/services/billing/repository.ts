import type { Sql, Tx } from '../../platform/database/index.ts';
import type { Account, Transaction } from './contract.ts';

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

/** The one statement that moves money out: it cannot overdraw, however many run at once. */
export async function takeFromBalance(tx: Tx, userId: string, amount: number): Promise<number | undefined> {
  const [row] = await tx<{ balance: string }[]>`
    UPDATE accounts SET balance = balance - ${amount}, updated_at = now()
    WHERE user_id = ${userId} AND balance >= ${amount} RETURNING balance`;
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
