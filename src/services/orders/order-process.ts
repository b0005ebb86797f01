/**
 * An order's life as one pure function: its state and a message in, its next state and what must be done out.
 * Every style drives orders through it — a billing answer that came as an event, a command's reply, an internal
 * call's answer, the owner's cancellation, the saga's deadline — and only the way the effects are carried out
 * differs. Duplicated and late messages change nothing, which is what makes redelivery and retries safe.
 */
import type { OrderRejection, PaymentRefusal } from '../../contracts/events.ts';

export type OrderStatus = 'pending' | 'paid' | 'rejected' | 'cancelling' | 'cancelled';

export interface OrderState {
  status: OrderStatus;
  /** Why it was rejected or cancelled. */
  reason?: OrderRejection | 'cancelled_by_user' | undefined;
  /** For a cancelled order: whether its price had been charged and was given back. */
  refunded?: boolean | undefined;
}

export type OrderMessage =
  | { kind: 'charged' }
  | { kind: 'refused'; reason: PaymentRefusal }
  | { kind: 'refunded' }
  | { kind: 'voided' }
  /** The owner (or an operator) asks to cancel. */
  | { kind: 'cancel' }
  /** saga: no answer to the charge before the deadline. */
  | { kind: 'deadline' }
  /** http styles: billing could not be reached; it may still have charged. */
  | { kind: 'unreachable' };

/** Why billing is asked to give a payment back (or to void it, when it was never charged). */
export type RefundCause = 'cancelled_by_user' | 'payment_timeout' | 'billing_unavailable';

export type Effect =
  /** Tell the world the order reached this status (events, a letter, a woken `Prefer: wait`). */
  | { kind: 'announce'; status: 'paid' | 'rejected' | 'cancelled' }
  /** Ask billing to give the payment back, or to void it if it was never charged. */
  | { kind: 'refund'; cause: RefundCause };

export type Decision =
  | { kind: 'change'; next: OrderState; effects: Effect[] }
  /** Nothing to do: a duplicate, a late answer, or a message that does not apply in this state. */
  | { kind: 'ignore' }
  /** The owner asked for what cannot be: cancelling a rejected or cancelled order. */
  | { kind: 'refuse'; code: 'not-cancellable' };

const ignore: Decision = { kind: 'ignore' };
const change = (next: OrderState, ...effects: Effect[]): Decision => ({ kind: 'change', next, effects });

export function decide(state: OrderState, message: OrderMessage): Decision {
  switch (state.status) {
    case 'pending':
      return fromPending(message);
    case 'paid':
      return message.kind === 'cancel' ? change({ status: 'cancelling' }, { kind: 'refund', cause: 'cancelled_by_user' }) : ignore;
    case 'cancelling':
      return fromCancelling(message);
    case 'rejected':
    case 'cancelled':
      return message.kind === 'cancel' ? { kind: 'refuse', code: 'not-cancellable' } : ignore;
    default: {
      const unknown: never = state.status;
      throw new Error(`no decision for an order ${unknown}`);
    }
  }
}

function fromPending(message: OrderMessage): Decision {
  switch (message.kind) {
    case 'charged':
      return change({ status: 'paid' }, { kind: 'announce', status: 'paid' });
    case 'refused':
      // Refused as cancelled: a void came first, which only a cancellation or a timeout sends; that path settles it.
      if (message.reason === 'cancelled') return ignore;
      return change({ status: 'rejected', reason: message.reason }, { kind: 'announce', status: 'rejected' });
    case 'cancel':
      return change({ status: 'cancelling' }, { kind: 'refund', cause: 'cancelled_by_user' });
    case 'deadline':
      return change({ status: 'rejected', reason: 'payment_timeout' }, { kind: 'announce', status: 'rejected' }, { kind: 'refund', cause: 'payment_timeout' });
    case 'unreachable':
      return change({ status: 'rejected', reason: 'billing_unavailable' }, { kind: 'announce', status: 'rejected' }, { kind: 'refund', cause: 'billing_unavailable' });
    case 'refunded':
    case 'voided':
      return ignore;
    default: {
      const unknown: never = message;
      throw new Error(`no decision for ${JSON.stringify(unknown)}`);
    }
  }
}

function fromCancelling(message: OrderMessage): Decision {
  switch (message.kind) {
    case 'refunded':
      return change({ status: 'cancelled', reason: 'cancelled_by_user', refunded: true }, { kind: 'announce', status: 'cancelled' });
    case 'voided':
      return change({ status: 'cancelled', reason: 'cancelled_by_user', refunded: false }, { kind: 'announce', status: 'cancelled' });
    // The answer to the refund settles it, whatever the charge in flight did: a charge before the refund is given
    // back by it, one after it is refused.
    case 'charged':
    case 'refused':
    case 'cancel':
    case 'deadline':
    case 'unreachable':
      return ignore;
    default: {
      const unknown: never = message;
      throw new Error(`no decision for ${JSON.stringify(unknown)}`);
    }
  }
}

/** Statuses a client waiting with `Prefer: wait` stops at; `paid` may still be cancelled later, but it is an answer. */
export function isFinal(status: OrderStatus): boolean {
  return status === 'paid' || status === 'rejected' || status === 'cancelled';
}
