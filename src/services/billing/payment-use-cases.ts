/**
 * Charging and giving back a payment: the same use cases whoever asks (an event, a command, an internal call).
 * Each runs in the caller's transaction under the payment's lock, records what became of the payment, and
 * returns the outcome for the caller to announce or answer.
 */
import type { PaymentRefusal } from '../../contracts/events.ts';
import { newId } from '../../platform/common/index.ts';
import type { Tx } from '../../platform/database/index.ts';
import { decideCharge, decideRefund } from './payments.ts';
import { addToBalance, chargeAccount, findAccount, findPayment, insertLedgerLine, lockPayment, type RecordedPayment, recordPayment } from './repository.ts';

export interface ChargeRequest {
  paymentId: string;
  userId: string;
  amount: number;
}

export type ChargeOutcome =
  | { status: 'charged'; paymentId: string; userId: string; amount: number; transactionId: string; balance: number }
  | { status: 'refused'; paymentId: string; userId: string; amount: number; reason: PaymentRefusal; balance?: number };

export type RefundOutcome =
  | { status: 'refunded'; paymentId: string; userId: string; amount: number; transactionId: string; balance: number }
  | { status: 'voided'; paymentId: string; userId: string | null };

/** Takes the amount for this payment once, or refuses; asked again, answers the same and moves nothing. */
export async function charge(tx: Tx, request: ChargeRequest): Promise<ChargeOutcome> {
  const known = await lockAndFindPayment(tx, request.paymentId);
  switch (decideCharge(known)) {
    case 'answer-again':
      return chargeAnsweredBefore(known as RecordedPayment, request);
    case 'refuse-cancelled':
      return { ...request, status: 'refused', reason: 'cancelled' };
    case 'charge':
      return chargeNow(tx, request);
  }
}

async function chargeNow(tx: Tx, { paymentId, userId, amount }: ChargeRequest): Promise<ChargeOutcome> {
  const transactionId = newId();
  const balance = await chargeAccount(tx, { paymentId, userId, amount, transactionId });
  if (balance !== undefined) return { status: 'charged', paymentId, userId, amount, transactionId, balance };
  const account = await findAccount(tx, userId);
  const reason = account ? 'insufficient_funds' : 'account_not_found';
  await recordPayment(tx, { paymentId, userId, amount, status: 'refused', refusal: reason });
  return { status: 'refused', paymentId, userId, amount, reason, ...(account ? { balance: account.balance } : {}) };
}

/**
 * Takes the payment's lock, then reads what became of it. Both statements leave in one round trip: PostgreSQL runs
 * the read after the lock is granted, with a snapshot taken then, so it sees what the previous holder committed.
 */
async function lockAndFindPayment(tx: Tx, paymentId: string): Promise<RecordedPayment | undefined> {
  const [, known] = await Promise.all([lockPayment(tx, paymentId), findPayment(tx, paymentId)]);
  return known;
}

function chargeAnsweredBefore(known: RecordedPayment, request: ChargeRequest): ChargeOutcome {
  const { paymentId } = request;
  const userId = known.userId ?? request.userId;
  const amount = known.amount ?? request.amount;
  if (known.status === 'charged' && known.chargeTransactionId && known.balanceAfterCharge !== null) {
    return { status: 'charged', paymentId, userId, amount, transactionId: known.chargeTransactionId, balance: known.balanceAfterCharge };
  }
  return { status: 'refused', paymentId, userId, amount, reason: known.refusal ?? 'insufficient_funds' };
}

/**
 * Gives a charged payment back once, with a refund line in the ledger; voids one never charged, so that its charge,
 * should it come later, is refused. Asked again, answers the same and moves nothing.
 */
export async function refund(tx: Tx, request: { paymentId: string; userId?: string | undefined }): Promise<RefundOutcome> {
  const known = await lockAndFindPayment(tx, request.paymentId);
  const userId = known?.userId ?? request.userId ?? null;
  switch (decideRefund(known)) {
    case 'answer-again':
      return refundAnsweredBefore(known as RecordedPayment);
    case 'void':
      await recordPayment(tx, { paymentId: request.paymentId, userId, amount: known?.amount ?? null, status: 'voided' });
      return { status: 'voided', paymentId: request.paymentId, userId };
    case 'refund':
      return refundNow(tx, known as RecordedPayment);
  }
}

async function refundNow(tx: Tx, known: RecordedPayment): Promise<RefundOutcome> {
  const { paymentId } = known;
  const userId = known.userId as string;
  const amount = known.amount as number;
  const balance = await addToBalance(tx, userId, amount);
  if (balance === undefined) throw new Error(`payment ${paymentId} was charged from an account that is gone`);
  const transactionId = newId();
  await Promise.all([
    insertLedgerLine(tx, { id: transactionId, userId, type: 'refund', amount, balanceAfter: balance, orderId: paymentId }),
    recordPayment(tx, { ...known, status: 'refunded', refundTransactionId: transactionId }),
  ]);
  return { status: 'refunded', paymentId, userId, amount, transactionId, balance };
}

function refundAnsweredBefore(known: RecordedPayment): RefundOutcome {
  if (known.status === 'refunded' && known.refundTransactionId && known.balanceAfterRefund !== null && known.userId && known.amount) {
    return { status: 'refunded', paymentId: known.paymentId, userId: known.userId, amount: known.amount, transactionId: known.refundTransactionId, balance: known.balanceAfterRefund };
  }
  return { status: 'voided', paymentId: known.paymentId, userId: known.userId };
}
