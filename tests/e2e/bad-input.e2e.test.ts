import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { topologies, useSystem } from '../support/topology.ts';

interface BadRequest {
  name: string;
  method: 'GET' | 'POST';
  path: (userId: string) => string;
  body?: unknown | ((userId: string) => unknown);
  headers?: Record<string, string>;
  status: number;
}

const huge = 'x'.repeat(20_000);
const json = { 'content-type': 'application/json' };

/** Each row: a malformed request a client might send, and the 4xx it must get. */
const table: BadRequest[] = [
  { name: 'user without email', method: 'POST', path: () => '/users', body: { name: 'A' }, status: 400 },
  { name: 'user with a malformed email', method: 'POST', path: () => '/users', body: { email: 'not-an-email', name: 'A' }, status: 400 },
  { name: 'user with an unknown field', method: 'POST', path: () => '/users', body: { email: 'x@example.com', name: 'A', admin: true }, status: 400 },
  { name: 'user with a number for a name', method: 'POST', path: () => '/users', body: { email: 'y@example.com', name: 5 }, status: 400 },
  { name: 'user with an empty name', method: 'POST', path: () => '/users', body: { email: 'z@example.com', name: '' }, status: 400 },
  { name: 'body that is not JSON', method: 'POST', path: () => '/users', body: '{"email":', status: 400 },
  { name: 'body that is a JSON array', method: 'POST', path: () => '/users', body: [], status: 400 },
  { name: 'body of 20 kB', method: 'POST', path: () => '/users', body: { email: 'h@example.com', name: huge }, status: 413 },
  { name: 'form-encoded body', method: 'POST', path: () => '/users', body: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415 },
  { name: 'user id that is not a UUID', method: 'GET', path: () => '/users/42', status: 400 },
  { name: 'deposit of a negative amount', method: 'POST', path: (u) => `/billing/accounts/${u}/deposits`, body: { amount: -100 }, status: 400 },
  { name: 'deposit of zero', method: 'POST', path: (u) => `/billing/accounts/${u}/deposits`, body: { amount: 0 }, status: 400 },
  { name: 'deposit of a fraction', method: 'POST', path: (u) => `/billing/accounts/${u}/deposits`, body: { amount: 10.5 }, status: 400 },
  { name: 'deposit of an amount as a string', method: 'POST', path: (u) => `/billing/accounts/${u}/deposits`, body: { amount: '100' }, status: 400 },
  { name: 'deposit above 10^12', method: 'POST', path: (u) => `/billing/accounts/${u}/deposits`, body: { amount: 1_000_000_000_001 }, status: 400 },
  { name: 'deposit of 1e400', method: 'POST', path: (u) => `/billing/accounts/${u}/deposits`, body: '{"amount":1e400}', status: 400 },
  { name: 'deposit with an unknown field', method: 'POST', path: (u) => `/billing/accounts/${u}/deposits`, body: { amount: 1, currency: 'USD' }, status: 400 },
  { name: 'deposit with an invalid Idempotency-Key', method: 'POST', path: (u) => `/billing/accounts/${u}/deposits`, body: { amount: 1 }, headers: { 'idempotency-key': 'x'.repeat(300) }, status: 400 },
  { name: 'withdrawal of a negative amount', method: 'POST', path: (u) => `/billing/accounts/${u}/withdrawals`, body: { amount: -1 }, status: 400 },
  { name: 'withdrawal of more than the balance', method: 'POST', path: (u) => `/billing/accounts/${u}/withdrawals`, body: { amount: 1_000_000 }, status: 409 },
  { name: 'deposit to nobody', method: 'POST', path: () => `/billing/accounts/${crypto.randomUUID()}/deposits`, body: { amount: 1 }, status: 404 },
  { name: 'transactions with limit 0', method: 'GET', path: (u) => `/billing/accounts/${u}/transactions?limit=0`, status: 400 },
  { name: 'transactions with limit 101', method: 'GET', path: (u) => `/billing/accounts/${u}/transactions?limit=101`, status: 400 },
  { name: 'order without price', method: 'POST', path: () => '/orders', body: { userId: crypto.randomUUID() }, status: 400 },
  { name: 'order with a negative price', method: 'POST', path: () => '/orders', body: (u: string) => ({ userId: u, price: -5 }), status: 400 },
  { name: 'order with a fractional price', method: 'POST', path: () => '/orders', body: (u: string) => ({ userId: u, price: 0.5 }), status: 400 },
  { name: 'order with a price as a string', method: 'POST', path: () => '/orders', body: (u: string) => ({ userId: u, price: '10' }), status: 400 },
  { name: 'order with an absurd price', method: 'POST', path: () => '/orders', body: (u: string) => ({ userId: u, price: 1e15 }), status: 400 },
  { name: 'order with a user id that is not a UUID', method: 'POST', path: () => '/orders', body: { userId: 'bob', price: 5 }, status: 400 },
  { name: 'order with an unknown field', method: 'POST', path: () => '/orders', body: (u: string) => ({ userId: u, price: 5, status: 'paid' }), status: 400 },
  { name: 'order list without userId', method: 'GET', path: () => '/orders', status: 400 },
  { name: 'order list with an unknown filter', method: 'GET', path: (u) => `/orders?userId=${u}&status=paid`, status: 400 },
  { name: 'unknown order', method: 'GET', path: () => `/orders/${crypto.randomUUID()}`, status: 404 },
  { name: 'letters without a filter', method: 'GET', path: () => '/notifications', status: 400 },
  { name: 'letters with both filters', method: 'GET', path: (u) => `/notifications?userId=${u}&email=a@example.com`, status: 400 },
  { name: 'message without subject', method: 'POST', path: () => '/notifications', body: { email: 'a@example.com', body: 'hi' }, status: 400 },
  { name: 'message to a malformed address', method: 'POST', path: () => '/notifications', body: { email: 'nope', subject: 's', body: 'b' }, status: 400 },
  { name: 'unknown letter', method: 'GET', path: () => `/notifications/${crypto.randomUUID()}`, status: 404 },
  { name: 'unknown path', method: 'GET', path: () => '/billing/nothing-here', status: 404 },
];

for (const topology of topologies) {
  describe(`bad input (${topology})`, () => {
    const t = useSystem(topology);
    let userId: string;
    before(async () => {
      userId = (await t.api.userWithAccount(500)).id;
    });

    for (const row of table) {
      test(`when a client sends ${row.name}, then it gets ${row.status} with a problem document and nothing changes`, async () => {
        const before = await snapshot();
        const body = typeof row.body === 'function' ? row.body(userId) : row.body;
        const response = await t.api.call(row.method, row.path(userId), body, { ...(row.body !== undefined ? json : {}), ...row.headers });
        assert.equal(response.status, row.status, JSON.stringify(response.body));
        assert.equal(response.headers.get('content-type')?.split(';')[0], 'application/problem+json');
        assert.equal(response.body.status, row.status);
        for (const member of ['type', 'title', 'detail']) assert.equal(typeof response.body[member], 'string', member);
        if (row.status === 400 && row.name.includes('field')) {
          assert.ok(response.body.errors?.length > 0, 'validation errors list the fields at fault');
        }
        assert.deepEqual(await snapshot(), before);
      });
    }

    /** What a client can see of the system's state: the counts that bad input must not change. */
    async function snapshot() {
      const count = async (service: 'users' | 'orders' | 'notifications' | 'billing', table: string) => {
        const [row] = await t.system.database(service).unsafe(`SELECT count(*)::int AS n FROM ${table}`);
        return row?.n as number;
      };
      return {
        users: await count('users', 'users'),
        orders: await count('orders', 'orders'),
        letters: await count('notifications', 'letters'),
        ledger: await count('billing', 'ledger'),
        balance: await t.api.balance(userId),
      };
    }
  });
}
