import { newId } from '../../platform/runtime/ids.ts';
import {
  AccountOpenedV1,
  type OrderCreated,
  PaymentRejectedV1,
  PaymentSucceededV1,
  type UserCreated,
} from '../../contracts/events.ts';
import type { Sql, Tx } from '../../platform/database/connection.ts';
import { type FlowContext, newEvent } from '../../platform/messaging/events.ts';
import { once, type StoredResponse } from '../../platform/http/idempotency.ts';
import { appendToOutbox } from '../../platform/messaging/outbox.ts';
import type { Database } from '../../platform/database/transactions.ts';
import { type PageRequest, toPage } from '../../platform/schemas/schemas.ts';
import type { Account, Transaction } from './contract.ts';
import { accountNotFound, balanceLimit, insufficientFunds } from './errors.ts';
import { addToBalance, findAccount, insertLedgerLine, listLedger, openAccount, takeFromBalance } from './repository.ts';

export async function openAccountForNewUser(tx: Tx, user: UserCreated, flow: FlowContext): Promise<void> {
  if (await openAccount(tx, user.userId)) {
    await appendToOutbox(tx, [newEvent('billing', AccountOpenedV1, user.userId, { userId: user.userId }, flow)]);
  }
}

/** Pays for an order or refuses; either way the outcome is announced in the same transaction. */
export async function payForOrder(tx: Tx, order: OrderCreated, flow: FlowContext): Promise<void> {
  const { orderId, userId, price } = order;
  const balance = await takeFromBalance(tx, userId, price);
  if (balance !== undefined) {
    // The line's id is made now, under the account's row lock, so ledger order is the order balances changed in.
    const line = { id: newId(), userId, type: 'payment' as const, amount: price, balanceAfter: balance, orderId };
    const data = { orderId, userId, amount: price, transactionId: line.id, balance };
    // Sent together: one round trip for the ledger line and the event.
    await Promise.all([insertLedgerLine(tx, line), appendToOutbox(tx, [newEvent('billing', PaymentSucceededV1, orderId, data, flow)])]);
    return;
  }
  const account = await findAccount(tx, userId);
  const data = account
    ? { orderId, userId, amount: price, reason: 'insufficient_funds' as const, balance: account.balance }
    : { orderId, userId, amount: price, reason: 'account_not_found' as const };
  await appendToOutbox(tx, [newEvent('billing', PaymentRejectedV1, orderId, data, flow)]);
}

export async function getAccount(sql: Sql, userId: string): Promise<Account> {
  return (await findAccount(sql, userId)) ?? Promise.reject(accountNotFound(userId));
}

export interface MoneyMovement {
  userId: string;
  amount: number;
  idempotencyKey: string | undefined;
}

export async function deposit(db: Database, { userId, amount, idempotencyKey }: MoneyMovement) {
  return db.transaction((tx) =>
    once(tx, idempotencyKey, `billing.deposit:${userId}`, { userId, amount }, async (): Promise<StoredResponse<Transaction>> => {
      const balance = await addToBalance(tx, userId, amount).catch((error) => {
        throw (error as { constraint_name?: string }).constraint_name === 'balance_in_range' ? balanceLimit() : error;
      });
      if (balance === undefined) throw accountNotFound(userId);
      const line = await insertLedgerLine(tx, { id: newId(), userId, type: 'deposit', amount, balanceAfter: balance });
      return { status: 201, body: line };
    }),
  );
}

export async function withdraw(db: Database, { userId, amount, idempotencyKey }: MoneyMovement) {
  return db.transaction((tx) =>
    once(tx, idempotencyKey, `billing.withdrawal:${userId}`, { userId, amount }, async (): Promise<StoredResponse<Transaction>> => {
      const balance = await takeFromBalance(tx, userId, amount);
      if (balance === undefined) {
        const account = await findAccount(tx, userId);
        throw account ? insufficientFunds(account.balance, amount) : accountNotFound(userId);
      }
      const line = await insertLedgerLine(tx, { id: newId(), userId, type: 'withdrawal', amount, balanceAfter: balance });
      return { status: 201, body: line };
    }),
  );
}

export async function listTransactions(sql: Sql, userId: string, page: PageRequest) {
  await getAccount(sql, userId);
  return toPage(await listLedger(sql, userId, page.limit, page.cursor), page, (line) => line.transactionId);
}
