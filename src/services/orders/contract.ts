import Type, { type Static } from 'typebox';

const Uuid = (description: string) => Type.String({ format: 'uuid', description });
const Timestamp = Type.String({ format: 'date-time' });

export const OrderStatus = Type.Union([Type.Literal('pending'), Type.Literal('paid'), Type.Literal('rejected')]);
export const RejectionReason = Type.Union([Type.Literal('insufficient_funds'), Type.Literal('account_not_found')]);

export const PlaceOrderBody = Type.Object(
  {
    userId: Uuid('Who places the order and pays for it'),
    price: Type.Integer({ minimum: 1, maximum: 1_000_000_000_000, description: 'Kopecks, 1 to 1,000,000,000,000' }),
  },
  { additionalProperties: false },
);
export type PlaceOrderBody = Static<typeof PlaceOrderBody>;

export const Order = Type.Object({
  id: Uuid('Order id'),
  userId: Uuid('Who placed it'),
  price: Type.Integer({ description: 'Kopecks' }),
  currency: Type.Literal('RUB'),
  status: OrderStatus,
  reason: Type.Optional(RejectionReason),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Order = Static<typeof Order>;

export const OrderParams = Type.Object({ orderId: Uuid('Order id') });

export const OrderListQuery = Type.Object(
  {
    userId: Uuid('Whose orders'),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ format: 'uuid', description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const OrderList = Type.Object({ items: Type.Array(Order), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const WaitHeaders = {
  type: 'object',
  properties: {
    prefer: { type: 'string', description: 'wait=N (N ≤ 30): answer once the order is final or N seconds passed' },
  },
} as const;
