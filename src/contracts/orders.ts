import Type, { type Static } from 'typebox';
import { defineEvent } from '../platform/messaging/index.ts';
import { Kopecks as Price, Uuid } from '../platform/schemas/index.ts';
import { OrderRejection } from './vocabulary.ts';

export const OrderCreatedV1 = defineEvent({
  type: 'orders.order.created.v1',
  description: 'An order was placed and waits for payment.',
  subject: 'orderId',
  data: Type.Object({
    orderId: Uuid('Id of the order'),
    userId: Uuid('Who placed it and pays for it'),
    price: Price('Price of the order'),
    currency: Type.Literal('RUB', { description: 'Currency of price' }),
  }),
});

export const OrderPaidV1 = defineEvent({
  type: 'orders.order.paid.v1',
  description: 'An order was paid.',
  subject: 'orderId',
  data: Type.Object({ orderId: Uuid('Id of the order'), userId: Uuid('Who placed it'), price: Price('Price paid') }),
});

export const OrderRejectedV1 = defineEvent({
  type: 'orders.order.rejected.v1',
  description: 'An order is final: it was rejected, and nothing is charged in the end.',
  subject: 'orderId',
  data: Type.Object({
    orderId: Uuid('Id of the order'),
    userId: Uuid('Who placed it'),
    price: Price('Price that could not be paid'),
    reason: OrderRejection,
  }),
});

export const OrderCancellationRequestedV1 = defineEvent({
  type: 'orders.order.cancellation_requested.v1',
  description: 'The user asked to cancel the order (events style): billing gives its payment back, or voids it.',
  subject: 'orderId',
  data: Type.Object({ orderId: Uuid('Id of the order, which is also its payment id'), userId: Uuid('Who placed it') }),
});

export const OrderCancelledV1 = defineEvent({
  type: 'orders.order.cancelled.v1',
  description: 'An order is final: it was cancelled by its owner, and billing confirmed the refund or the void.',
  subject: 'orderId',
  data: Type.Object({
    orderId: Uuid('Id of the order'),
    userId: Uuid('Who placed it'),
    price: Price('Price of the order'),
    refunded: Type.Boolean({ description: 'True when the price had been charged and was given back; false when nothing had been charged' }),
  }),
});

export type OrderCreated = Static<typeof OrderCreatedV1.data>;
export type OrderPaid = Static<typeof OrderPaidV1.data>;
export type OrderRejected = Static<typeof OrderRejectedV1.data>;
export type OrderCancellationRequested = Static<typeof OrderCancellationRequestedV1.data>;
export type OrderCancelled = Static<typeof OrderCancelledV1.data>;
