/** The words several contracts share: why a payment or an order went the way it did, what a letter is about. */
import Type from 'typebox';

export const PAYMENT_REFUSALS = ['insufficient_funds', 'account_not_found', 'cancelled'] as const;
export const PaymentRefusal = Type.Enum(PAYMENT_REFUSALS, {
  description: 'Why the payment was refused: not enough money, no account, or cancelled (it was refunded or voided before the charge came)',
});

export const ORDER_REJECTIONS = ['insufficient_funds', 'account_not_found', 'billing_unavailable', 'payment_timeout'] as const;
export const OrderRejection = Type.Enum(ORDER_REJECTIONS, {
  description:
    'Why the order was rejected: billing refused it, billing could not be reached (http and hybrid styles), or no answer came before the deadline (saga)',
});

export const REFUND_REASONS = ['cancelled_by_user', 'payment_timeout'] as const;
export const RefundReason = Type.Enum(REFUND_REASONS, {
  description: 'Why the payment is given back: the user cancelled the order, or the saga gave up waiting for the charge',
});

export const LETTER_KINDS = ['order_paid', 'order_rejected', 'order_cancelled', 'message'] as const;
export const LetterKind = Type.Enum(LETTER_KINDS, { description: 'What the letter is about' });

export type PaymentRefusal = (typeof PAYMENT_REFUSALS)[number];
export type OrderRejection = (typeof ORDER_REJECTIONS)[number];
export type RefundReason = (typeof REFUND_REASONS)[number];
export type LetterKind = (typeof LETTER_KINDS)[number];
