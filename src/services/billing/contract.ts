import Type, { type Static } from 'typebox';
import { Balance, Currency, Kopecks, ListQuery, Page, Timestamp, Uuid } from '../../platform/schemas/index.ts';

export const AccountParams = Type.Object({ userId: Uuid('Owner of the account') });

export const MoneyBody = Type.Object({ amount: Kopecks('How much') }, { additionalProperties: false, examples: [{ amount: 10000 }] });
export type MoneyBody = Static<typeof MoneyBody>;

export const Account = Type.Object({
  userId: Uuid('Owner of the account'),
  balance: Balance('Current balance'),
  currency: Currency,
  createdAt: Timestamp('When the account was opened'),
  updatedAt: Timestamp('When the balance last changed'),
});
export type Account = Static<typeof Account>;

export const TransactionType = Type.Union([Type.Literal('deposit'), Type.Literal('withdrawal'), Type.Literal('payment'), Type.Literal('refund')]);

export const Transaction = Type.Object({
  transactionId: Uuid('Ledger line id'),
  type: TransactionType,
  amount: Kopecks('Amount moved'),
  balance: Balance('Balance after this line'),
  currency: Currency,
  orderId: Type.Optional(Uuid('The order a payment or a refund was for')),
  createdAt: Timestamp('When the balance changed'),
});
export type Transaction = Static<typeof Transaction>;

export const TransactionListQuery = ListQuery({});

export const TransactionList = Page(Transaction);
