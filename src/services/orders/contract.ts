import Type, { type Static } from 'typebox';
import { Currency, Kopecks, ListQuery, Page, Timestamp, Uuid } from '../../platform/schemas/index.ts';

export const OrderStatus = Type.Union([Type.Literal('pending'), Type.Literal('paid'), Type.Literal('rejected')]);
export const RejectionReason = Type.Union([Type.Literal('insufficient_funds'), Type.Literal('account_not_found')]);

export const PlaceOrderBody = Type.Object(
  {
    userId: Uuid('Who places the order and pays for it: the caller'),
    price: Kopecks('Price'),
  },
  { additionalProperties: false },
);
export type PlaceOrderBody = Static<typeof PlaceOrderBody>;

export const Order = Type.Object({
  id: Uuid('Order id'),
  userId: Uuid('Who placed it'),
  price: Kopecks('Price'),
  currency: Currency,
  status: OrderStatus,
  reason: Type.Optional(RejectionReason),
  createdAt: Timestamp('When it was placed'),
  updatedAt: Timestamp('When its status last changed'),
});
export type Order = Static<typeof Order>;

export const OrderParams = Type.Object({ orderId: Uuid('Order id') });

export const OrderListQuery = ListQuery({ userId: Type.Optional(Uuid('Whose orders; an operator may leave it out to list every order')) });

export const OrderList = Page(Order);

export const WaitHeaders = {
  type: 'object',
  properties: {
    prefer: { type: 'string', maxLength: 200, description: 'wait=N (N ≤ 30): answer once the order is final or N seconds passed' },
  },
} as const;
