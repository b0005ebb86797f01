import Type, { type Static } from 'typebox';
import { defineEvent } from '../platform/messaging/index.ts';
import { Balance as Money, Kopecks as Price, Uuid } from '../platform/schemas/index.ts';
import { PaymentRefusal, RefundReason } from './vocabulary.ts';

/** The payment's id is the order's: a repeated command or call can never charge or refund twice. */
const PaymentId = (description: string) => Uuid(`${description} (the order's id)`);

export const AccountOpenedV1 = defineEvent({
  type: 'billing.account.opened.v1',
  description: 'Billing opened an account with balance 0 for a new user.',
  subject: 'userId',
  data: Type.Object({ userId: Uuid('Owner of the account') }),
});

export const PaymentSucceededV1 = defineEvent({
  type: 'billing.payment.succeeded.v1',
  description: "Billing withdrew the order's price from the user's account.",
  subject: 'orderId',
  data: Type.Object({
    orderId: Uuid('The order paid for'),
    paymentId: Type.Optional(PaymentId('The payment this answers')),
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
    paymentId: Type.Optional(PaymentId('The payment this answers')),
    userId: Uuid('The user who placed it'),
    amount: Price('Amount that was asked for'),
    reason: PaymentRefusal,
    balance: Type.Optional(Money('Balance at the time of refusal (absent when there is no account)')),
  }),
});

export const PaymentRefundedV1 = defineEvent({
  type: 'billing.payment.refunded.v1',
  description: 'Billing gave a charged payment back to the account, with a ledger line of type refund.',
  subject: 'paymentId',
  data: Type.Object({
    paymentId: PaymentId('The payment given back'),
    userId: Uuid('Owner of the account'),
    amount: Price('Amount given back'),
    transactionId: Uuid('Ledger line of the refund'),
    balance: Money('Balance after the refund'),
  }),
});

export const PaymentVoidedV1 = defineEvent({
  type: 'billing.payment.voided.v1',
  description: 'A refund of a payment never charged: nothing moved, and a charge for it that comes later is refused.',
  subject: 'paymentId',
  data: Type.Object({
    paymentId: PaymentId('The payment voided'),
    userId: Type.Optional(Uuid('Owner of the payment; absent only when billing never saw it and the refund did not name its owner')),
  }),
});

export const ChargeCommandV1 = defineEvent({
  type: 'billing.commands.charge.v1',
  description: "Take the amount from the user's account for this payment (sent by orders in the saga style); answered by billing.payment.succeeded.v1 or billing.payment.rejected.v1.",
  subject: 'paymentId',
  data: Type.Object({
    paymentId: PaymentId('What to charge'),
    userId: Uuid('Whose account pays'),
    amount: Price('Amount to take'),
    currency: Type.Literal('RUB', { description: 'Currency of amount' }),
  }),
});

export const RefundCommandV1 = defineEvent({
  type: 'billing.commands.refund.v1',
  description: 'Give this payment back, or void it if it was never charged (sent by orders in the saga style); answered by billing.payment.refunded.v1 or billing.payment.voided.v1.',
  subject: 'paymentId',
  data: Type.Object({
    paymentId: PaymentId('What to give back'),
    reason: RefundReason,
    userId: Type.Optional(Uuid('Whose payment it is: lets billing name the owner of a payment it never saw (orders always sends it)')),
  }),
});

export type PaymentSucceeded = Static<typeof PaymentSucceededV1.data>;
export type PaymentRejected = Static<typeof PaymentRejectedV1.data>;
export type PaymentRefunded = Static<typeof PaymentRefundedV1.data>;
export type PaymentVoided = Static<typeof PaymentVoidedV1.data>;
export type ChargeCommand = Static<typeof ChargeCommandV1.data>;
export type RefundCommand = Static<typeof RefundCommandV1.data>;
