/** What a letter says. Pure: the words of the product, no I/O. */
import type { LetterKind } from './contract.ts';

export interface OrderOutcome {
  orderId: string;
  kind: Exclude<LetterKind, 'message'>;
  price: number;
  reason?: string | null;
}

/** One formatter for every letter: building it is what costs, not using it. */
const amount = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const rubles = (kopecks: number) => `${amount.format(kopecks / 100)} RUB`;

const REJECTIONS: Record<string, string> = {
  insufficient_funds: 'there is not enough money on your account',
  account_not_found: 'you have no account yet',
  billing_unavailable: 'our payment service did not answer in time',
  payment_timeout: 'the payment did not go through in time',
};

function whyRejected(reason: string | null | undefined): string {
  return REJECTIONS[reason ?? ''] ?? 'the payment was refused';
}

export function composeOrderLetter(outcome: OrderOutcome, name: string): { subject: string; body: string } {
  switch (outcome.kind) {
    case 'order_paid':
      return {
        subject: `Order ${outcome.orderId} is paid`,
        body: `Hello, ${name}! Your order ${outcome.orderId} for ${rubles(outcome.price)} is paid. Thank you!`,
      };
    case 'order_rejected':
      return {
        subject: `Order ${outcome.orderId} could not be paid`,
        body: `Hello, ${name}. We could not pay for your order ${outcome.orderId} of ${rubles(outcome.price)}: ${whyRejected(outcome.reason)}. Nothing was charged.`,
      };
    case 'order_cancelled':
      return {
        subject: `Order ${outcome.orderId} is cancelled`,
        body: `Hello, ${name}. Your order ${outcome.orderId} of ${rubles(outcome.price)} is cancelled, as you asked. Any money taken for it is back on your account.`,
      };
    default: {
      const unknown: never = outcome.kind;
      throw new Error(`no letter for ${unknown}`);
    }
  }
}
