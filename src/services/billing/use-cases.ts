import { AccountOpenedV1, type UserCreated } from '../../contracts/events.ts';
import { newId } from '../../platform/common/index.ts';
import type { Database, Sql, Tx } from '../../platform/database/index.ts';
import { appendToOutbox, type Correlation, newEvent } from '../../platform/messaging/index.ts';
import { type StoredResponse, withIdempotencyKey } from '../../platform/http/index.ts';
import { type PageRequest, toPage } from '../../platform/schemas/index.ts';
import type { Account, Transaction } from './contract.ts';
import { accountNotFound, balanceLimit, insufficientFunds } from './errors.ts';
import { addToBalance, findAccount, insertLedgerLine, listLedger, openAccount, takeFromBalance } from './repository.ts';

/** Opens the account of a new user (broker styles), and announces it; a repeat opens nothing. */
export async function openAccountForNewUser(tx: Tx, user: UserCreated, correlation: Correlation): Promise<void> {
  if (await openAccount(tx, user.userId)) {
    appendToOutbox(tx, [newEvent('billing', AccountOpenedV1, { userId: user.userId }, correlation)]);
  }
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
    withIdempotencyKey(tx, { key: idempotencyKey, scope: `billing.deposit:${userId}`, body: { userId, amount } }, async (): Promise<StoredResponse<Transaction>> => {
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
    withIdempotencyKey(tx, { key: idempotencyKey, scope: `billing.withdrawal:${userId}`, body: { userId, amount } }, async (): Promise<StoredResponse<Transaction>> => {
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
