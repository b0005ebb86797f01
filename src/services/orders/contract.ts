import Type, { type Static } from 'typebox';
import { ORDER_REJECTIONS } from '../../contracts/events.ts';
import { Currency, Kopecks, ListQuery, Page, Timestamp, Uuid } from '../../platform/schemas/index.ts';

export const OrderStatus = Type.Enum(['pending', 'paid', 'rejected', 'cancelling', 'cancelled'], {
  description: 'pending until billing answers; paid or rejected; cancelling once the owner cancelled, until billing confirms the refund or the void; cancelled',
});
export const OrderReason = Type.Enum([...ORDER_REJECTIONS, 'cancelled_by_user'] as const, {
  description: 'Why it was rejected (insufficient_funds, account_not_found, billing_unavailable, payment_timeout) or cancelled (cancelled_by_user)',
});

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
  reason: Type.Optional(OrderReason),
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
