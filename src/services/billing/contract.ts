import Type, { type Static } from 'typebox';

const Uuid = (description: string) => Type.String({ format: 'uuid', description });
const Kopecks = (description: string) => Type.Integer({ minimum: 0, description: `${description}, in kopecks` });
const Currency = Type.Literal('RUB', { description: 'Always RUB' });
const Timestamp = Type.String({ format: 'date-time' });

export const AccountParams = Type.Object({ userId: Uuid('Owner of the account') });

export const MoneyBody = Type.Object(
  {
    amount: Type.Integer({
      minimum: 1,
      maximum: 1_000_000_000_000,
      description: 'Kopecks, an integer from 1 to 1,000,000,000,000',
      examples: [10000],
    }),
  },
  { additionalProperties: false },
);
export type MoneyBody = Static<typeof MoneyBody>;

export const Account = Type.Object({
  userId: Uuid('Owner of the account'),
  balance: Kopecks('Current balance'),
  currency: Currency,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Account = Static<typeof Account>;

export const TransactionType = Type.Union([Type.Literal('deposit'), Type.Literal('withdrawal'), Type.Literal('payment')]);

export const Transaction = Type.Object({
  transactionId: Uuid('Ledger line id'),
  type: TransactionType,
  amount: Kopecks('Amount moved'),
  balance: Kopecks('Balance after this line'),
  currency: Currency,
  orderId: Type.Optional(Uuid('The order a payment was for')),
  createdAt: Timestamp,
});
export type Transaction = Static<typeof Transaction>;

export const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ format: 'uuid', description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const TransactionList = Type.Object({
  items: Type.Array(Transaction),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
