/**
 * Billing's internal endpoints, for the http and hybrid styles: other services call them on the internal listener
 * (never the public port) with a service credential. Each is idempotent on its key — the account's user, the
 * payment's id — so a caller that got no answer can ask again.
 */
import Type from 'typebox';
import { AppError } from '../../platform/common/index.ts';
import type { Database } from '../../platform/database/index.ts';
import { type App, responses } from '../../platform/http/index.ts';
import { Balance, Kopecks, Uuid } from '../../platform/schemas/index.ts';
import { Account, AccountParams } from './contract.ts';
import { accountNotFound, insufficientFunds } from './errors.ts';
import { type ChargeOutcome, charge, refund } from './payment-use-cases.ts';
import { findAccount, openAccount } from './repository.ts';

const PaymentParams = Type.Object({ paymentId: Uuid("The payment's id: the order's") });
const ChargeBody = Type.Object({ paymentId: Uuid("The payment's id: the order's"), amount: Kopecks('Amount to take') }, { additionalProperties: false });
const RefundBody = Type.Object(
  {
    reason: Type.Enum(['cancelled_by_user', 'payment_timeout', 'billing_unavailable'], { description: 'Why the payment is given back or voided' }),
    userId: Type.Optional(Uuid('Whose payment it is, in case billing never saw it')),
  },
  { additionalProperties: false },
);
const Charged = Type.Object({
  paymentId: Uuid('The payment'),
  status: Type.Literal('charged'),
  amount: Kopecks('Amount taken'),
  transactionId: Uuid('Ledger line of the payment'),
  balance: Balance('Balance after the payment'),
});
const RefundAnswer = Type.Object({
  paymentId: Uuid('The payment'),
  status: Type.Enum(['refunded', 'voided'], { description: 'refunded: the money went back; voided: it had never been charged, and a later charge is refused' }),
  amount: Type.Optional(Kopecks('Amount given back')),
  transactionId: Type.Optional(Uuid('Ledger line of the refund')),
  balance: Type.Optional(Balance('Balance after the refund')),
});

const paymentCancelled = (paymentId: string) =>
  new AppError({ status: 409, code: 'payment-cancelled', title: 'Payment cancelled', detail: `Payment ${paymentId} was given back or voided before this charge: nothing is taken.` });

function refusal(outcome: Extract<ChargeOutcome, { status: 'refused' }>): AppError {
  if (outcome.reason === 'account_not_found') return accountNotFound(outcome.userId);
  if (outcome.reason === 'cancelled') return paymentCancelled(outcome.paymentId);
  return insufficientFunds(outcome.balance ?? 0, outcome.amount);
}

export function billingInternalRoutes(app: App, db: Database): void {
  app.put(
    '/accounts/:userId',
    { config: { access: { services: ['users'] } }, schema: { tags: ['internal'], summary: "Open a user's account (201), or answer the one open already (200)", params: AccountParams, response: responses({ 200: Account, 201: Account }) } },
    async (request, reply) => {
      const { userId } = request.params;
      const { opened, account } = await db.transaction(async (tx) => ({ opened: await openAccount(tx, userId), account: await findAccount(tx, userId) }));
      return reply.code(opened ? 201 : 200).send(account as NonNullable<typeof account>);
    },
  );

  app.post(
    '/accounts/:userId/payments',
    {
      config: { access: { services: ['orders'] } },
      schema: { tags: ['internal'], summary: 'Charge a payment once (asked again: the same answer)', params: AccountParams, body: ChargeBody, response: responses({ 201: Charged }, 404, 409) },
    },
    async (request, reply) => {
      const outcome = await db.transaction((tx) => charge(tx, { ...request.body, userId: request.params.userId }));
      if (outcome.status === 'refused') throw refusal(outcome);
      const { paymentId, amount, transactionId, balance } = outcome;
      return reply.code(201).send({ paymentId, status: 'charged' as const, amount, transactionId, balance });
    },
  );

  app.post(
    '/payments/:paymentId/refund',
    {
      config: { access: { services: ['orders'] } },
      schema: { tags: ['internal'], summary: 'Give a payment back, or void it if never charged (asked again: the same answer)', params: PaymentParams, body: RefundBody, response: responses({ 200: RefundAnswer }) },
    },
    async (request) => {
      const outcome = await db.transaction((tx) => refund(tx, { paymentId: request.params.paymentId, userId: request.body.userId }));
      if (outcome.status === 'voided') return { paymentId: outcome.paymentId, status: 'voided' as const };
      const { paymentId, amount, transactionId, balance } = outcome;
      return { paymentId, status: 'refunded' as const, amount, transactionId, balance };
    },
  );
}
