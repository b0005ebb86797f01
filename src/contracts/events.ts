/**
 * The published language of streamshop: every event type and the schema of its data.
 * Services share these schemas, never each other's code; docs/events/ is generated from here.
 */
import Type, { type Static } from 'typebox';
import { defineEvent } from '../platform/messaging/index.ts';
import { Balance as Money, Email, Kopecks as Price, Text, Uuid } from '../platform/schemas/index.ts';
const RejectionReason = Type.Union([Type.Literal('insufficient_funds'), Type.Literal('account_not_found')], {
  description: 'Why the payment was refused',
});
const LetterKind = Type.Union([Type.Literal('order_paid'), Type.Literal('order_rejected'), Type.Literal('message')], {
  description: 'What the letter is about',
});

export const UserCreatedV1 = defineEvent({
  type: 'users.user.created.v1',
  description: 'A user registered.',
  subject: 'userId',
  data: Type.Object({
    userId: Uuid('Id of the new user'),
    email: Email("The user's e-mail address, where letters go"),
    name: Text({ minLength: 1, maxLength: 200, description: "The user's display name" }),
  }),
});

export const AccountOpenedV1 = defineEvent({
  type: 'billing.account.opened.v1',
  description: 'Billing opened an account with balance 0 for a new user.',
  subject: 'userId',
  data: Type.Object({ userId: Uuid('Owner of the account') }),
});

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

export const PaymentSucceededV1 = defineEvent({
  type: 'billing.payment.succeeded.v1',
  description: "Billing withdrew the order's price from the user's account.",
  subject: 'orderId',
  data: Type.Object({
    orderId: Uuid('The order paid for'),
    userId: Uuid('Owner of the charged account'),
    amount: Price('Amount withdrawn'),
    transactionId: Uuid('Ledger line of the payment'),
    balance: Money('Balance after the payment'),
  }),
});

export const PaymentRejectedV1 = defineEvent({
  type: 'billing.payment.rejected.v1',
  description: 'Billing refused to pay for the order; no money moved.',
  subject: 'orderId',
  data: Type.Object({
    orderId: Uuid('The order that was not paid'),
    userId: Uuid('The user who placed it'),
    amount: Price('Amount that was asked for'),
    reason: RejectionReason,
    balance: Type.Optional(Money('Balance at the time of refusal (absent when there is no account)')),
  }),
});

export const OrderPaidV1 = defineEvent({
  type: 'orders.order.paid.v1',
  description: 'An order is final: it was paid.',
  subject: 'orderId',
  data: Type.Object({ orderId: Uuid('Id of the order'), userId: Uuid('Who placed it'), price: Price('Price paid') }),
});

export const OrderRejectedV1 = defineEvent({
  type: 'orders.order.rejected.v1',
  description: 'An order is final: it was rejected.',
  subject: 'orderId',
  data: Type.Object({
    orderId: Uuid('Id of the order'),
    userId: Uuid('Who placed it'),
    price: Price('Price that could not be paid'),
    reason: RejectionReason,
  }),
});

export const LetterStoredV1 = defineEvent({
  type: 'notifications.letter.stored.v1',
  description: 'Notifications stored a letter for a user.',
  subject: 'letterId',
  data: Type.Object({
    letterId: Uuid('Id of the letter'),
    userId: Type.Union([Uuid('Recipient user'), Type.Null()], { description: 'Recipient user, null when unknown' }),
    kind: LetterKind,
    orderId: Type.Optional(Uuid('The order the letter is about')),
  }),
});

export const eventCatalogue = [
  UserCreatedV1,
  AccountOpenedV1,
  OrderCreatedV1,
  PaymentSucceededV1,
  PaymentRejectedV1,
  OrderPaidV1,
  OrderRejectedV1,
  LetterStoredV1,
];

export type UserCreated = Static<typeof UserCreatedV1.data>;
export type OrderCreated = Static<typeof OrderCreatedV1.data>;
export type PaymentSucceeded = Static<typeof PaymentSucceededV1.data>;
export type PaymentRejected = Static<typeof PaymentRejectedV1.data>;
export type OrderPaid = Static<typeof OrderPaidV1.data>;
export type OrderRejected = Static<typeof OrderRejectedV1.data>;
