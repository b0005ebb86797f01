import { type App, ResponseHeaders, responses, withHeaders, idempotencyKeyHeader, readIdempotencyKey } from '../../platform/http/index.ts';
import type { Database } from '../../platform/database/index.ts';
import { pageOf } from '../../platform/schemas/index.ts';
import { Account, AccountParams, MoneyBody, Transaction, TransactionList, TransactionListQuery } from './contract.ts';
import { deposit, getAccount, listTransactions, withdraw } from './use-cases.ts';

const IdempotencyHeaders = { type: 'object', properties: idempotencyKeyHeader } as const;

export function billingRoutes(app: App, db: Database): void {
  app.get(
    '/accounts/:userId',
    { config: { access: 'owner-or-admin' }, schema: { tags: ['billing'], summary: "A user's account", params: AccountParams, response: responses({ 200: Account }, 404) } },
    async (request) => getAccount(db.sql, request.params.userId),
  );

  for (const [path, move, summary, errors] of [
    ['deposits', deposit, 'Put money into the account', [404, 422]],
    ['withdrawals', withdraw, 'Take money out of the account', [404, 409, 422]],
  ] as const) {
    app.post(
      `/accounts/:userId/${path}`,
      {
        // Only the owner moves their money: not even an operator moves someone else's.
        config: { access: 'owner' },
        schema: {
          tags: ['billing'],
          summary,
          params: AccountParams,
          headers: IdempotencyHeaders,
          body: MoneyBody,
          response: responses({ 201: withHeaders(Transaction, ResponseHeaders.idempotentReplayed) }, ...errors),
        },
      },
      async (request, reply) => {
        const idempotencyKey = readIdempotencyKey(request.headers['idempotency-key'] as string | undefined);
        const result = await move(db, { userId: request.params.userId, amount: request.body.amount, idempotencyKey });
        if (result.replayed) reply.header('idempotent-replayed', 'true');
        return reply.code(result.status as 201).send(result.body);
      },
    );
  }

  app.get(
    '/accounts/:userId/transactions',
    {
      config: { access: 'owner-or-admin' },
      schema: {
        tags: ['billing'],
        summary: 'The ledger of an account, newest first',
        params: AccountParams,
        querystring: TransactionListQuery,
        response: responses({ 200: TransactionList }, 404),
      },
    },
    async (request) => listTransactions(db.sql, request.params.userId, pageOf(request.query)),
  );
}
