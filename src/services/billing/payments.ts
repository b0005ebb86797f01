/**
 * What billing does with a charge or a refund, given what it already knows of the payment. Pure: the decisions
 * that keep "a payment is charged at most once, given back at most once, and never charged after its refund",
 * whatever the order in which charges and refunds arrive and however often they come again.
 */
import type { PaymentRefusal } from '../../contracts/events.ts';

export type PaymentStatus = 'charged' | 'refused' | 'refunded' | 'voided';

/** A payment as billing recorded it. */
export interface Payment {
  paymentId: string;
  userId: string | null;
  amount: number | null;
  status: PaymentStatus;
  refusal?: PaymentRefusal;
}

/**
 * - `charge`: never seen: take the money now (or refuse for lack of it);
 * - `answer-again`: charged or refused before: the same answer, nothing moves;
 * - `refuse-cancelled`: given back or voided before it came: refused, nothing moves.
 */
export type ChargeDecision = 'charge' | 'answer-again' | 'refuse-cancelled';

export function decideCharge(known: Payment | undefined): ChargeDecision {
  if (!known) return 'charge';
  switch (known.status) {
    case 'charged':
    case 'refused':
      return 'answer-again';
    case 'refunded':
    case 'voided':
      return 'refuse-cancelled';
    default: {
      const unknown: never = known.status;
      throw new Error(`no charge decision for ${unknown}`);
    }
  }
}

/**
 * - `refund`: charged: give the money back;
 * - `void`: never charged (unknown, or refused): record that it must never be charged;
 * - `answer-again`: given back or voided before: the same answer, nothing moves.
 */
export type RefundDecision = 'refund' | 'void' | 'answer-again';

export function decideRefund(known: Payment | undefined): RefundDecision {
  if (!known) return 'void';
  switch (known.status) {
    case 'charged':
      return 'refund';
    case 'refused':
      return 'void';
    case 'refunded':
    case 'voided':
      return 'answer-again';
    default: {
      const unknown: never = known.status;
      throw new Error(`no refund decision for ${unknown}`);
    }
  }
}
