import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Api, client, type Member } from '../support/api.ts';
import { failInserts } from '../support/faults.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';
import { topologies, useSystem } from '../support/topology.ts';

interface BadRequest {
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: (user: Member) => string;
  body?: unknown | ((user: Member) => unknown);
  headers?: Record<string, string>;
  /** Who sends it: a signed-in user (the default), nobody, or the operator (for the operators' routes). */
  caller?: 'user' | 'anonymous' | 'admin';
  status: number;
  /** For a validation failure: the fields its `errors` list must name. */
  fields?: string[];
  /** The problem's code, where the framework refused the request before our code ran (ours, never Fastify's). */
  code?: string;
}

const huge = 'x'.repeat(20_000);
const json = { 'content-type': 'application/json' };
const password = 'a-good-password';

/** Each row: a malformed request a client might send, and the 4xx it must get. */
const table: BadRequest[] = [
  { name: 'user without email', method: 'POST', path: () => '/users', body: { name: 'A', password }, caller: 'anonymous', status: 400, fields: ['body.email'] },
  { name: 'user with a malformed email', method: 'POST', path: () => '/users', body: { email: 'not-an-email', name: 'A', password }, caller: 'anonymous', status: 400, fields: ['body.email'] },
  { name: 'user with an unknown field', method: 'POST', path: () => '/users', body: { email: 'x@example.com', name: 'A', password, admin: true }, caller: 'anonymous', status: 400, fields: ['body.admin'] },
  { name: 'user with a number for a name', method: 'POST', path: () => '/users', body: { email: 'y@example.com', name: 5, password }, caller: 'anonymous', status: 400, fields: ['body.name'] },
  { name: 'user with an empty name', method: 'POST', path: () => '/users', body: { email: 'z@example.com', name: '', password }, caller: 'anonymous', status: 400, fields: ['body.name'] },
  { name: 'user without a password', method: 'POST', path: () => '/users', body: { email: 'p@example.com', name: 'P' }, caller: 'anonymous', status: 400, fields: ['body.password'] },
  { name: 'user with a 7-character password', method: 'POST', path: () => '/users', body: { email: 'q@example.com', name: 'Q', password: '1234567' }, caller: 'anonymous', status: 400, fields: ['body.password'] },
  { name: 'user with a 129-character password', method: 'POST', path: () => '/users', body: { email: 'r@example.com', name: 'R', password: 'x'.repeat(129) }, caller: 'anonymous', status: 400, fields: ['body.password'] },
  { name: 'login without a password', method: 'POST', path: () => '/users/login', body: { email: 'a@example.com' }, caller: 'anonymous', status: 400, fields: ['body.password'] },
  { name: 'body that is not JSON', method: 'POST', path: () => '/users', body: '{"email":', caller: 'anonymous', status: 400, code: 'invalid-json' },
  { name: 'an empty body said to be JSON', method: 'POST', path: () => '/users', body: '', caller: 'anonymous', status: 400, code: 'empty-body' },
  { name: 'body that is a JSON array', method: 'POST', path: () => '/users', body: [], caller: 'anonymous', status: 400 },
  { name: 'body of 20 kB', method: 'POST', path: () => '/users', body: { email: 'h@example.com', name: huge, password }, caller: 'anonymous', status: 413, code: 'body-too-large' },
  { name: 'form-encoded body', method: 'POST', path: () => '/users', body: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' }, caller: 'anonymous', status: 415, code: 'unsupported-media-type' },
  { name: 'a path with a malformed percent-encoding', method: 'GET', path: () => '/users/%zz', status: 400, code: 'invalid-url' },
  { name: 'a path segment of 300 characters', method: 'GET', path: () => `/users/${'a'.repeat(300)}`, status: 414, code: 'path-segment-too-long' },
  { name: 'a method the path does not take', method: 'DELETE', path: (u) => `/users/${u.id}`, status: 404, code: 'not-found' },
  { name: 'a path no service has', method: 'GET', path: () => '/nowhere', status: 404, code: 'not-found' },
  { name: 'a body that is not JSON, to the gateway itself', method: 'POST', path: () => '/', body: '{', caller: 'anonymous', status: 400, code: 'invalid-json' },
  { name: 'user id that is not a UUID', method: 'GET', path: () => '/users/42', status: 400, fields: ['params.userId'] },
  { name: 'deposit of a negative amount', method: 'POST', path: (u) => `/billing/accounts/${u.id}/deposits`, body: { amount: -100 }, status: 400, fields: ['body.amount'] },
  { name: 'deposit of zero', method: 'POST', path: (u) => `/billing/accounts/${u.id}/deposits`, body: { amount: 0 }, status: 400, fields: ['body.amount'] },
  { name: 'deposit of a fraction', method: 'POST', path: (u) => `/billing/accounts/${u.id}/deposits`, body: { amount: 10.5 }, status: 400, fields: ['body.amount'] },
  { name: 'deposit of an amount as a string', method: 'POST', path: (u) => `/billing/accounts/${u.id}/deposits`, body: { amount: '100' }, status: 400, fields: ['body.amount'] },
  { name: 'deposit above 10^12', method: 'POST', path: (u) => `/billing/accounts/${u.id}/deposits`, body: { amount: 1_000_000_000_001 }, status: 400, fields: ['body.amount'] },
  { name: 'deposit of 1e400', method: 'POST', path: (u) => `/billing/accounts/${u.id}/deposits`, body: '{"amount":1e400}', status: 400, fields: ['body.amount'] },
  { name: 'deposit with an unknown field', method: 'POST', path: (u) => `/billing/accounts/${u.id}/deposits`, body: { amount: 1, currency: 'USD' }, status: 400, fields: ['body.currency'] },
  { name: 'deposit with an invalid Idempotency-Key', method: 'POST', path: (u) => `/billing/accounts/${u.id}/deposits`, body: { amount: 1 }, headers: { 'idempotency-key': 'x'.repeat(300) }, status: 400 },
  { name: 'withdrawal of a negative amount', method: 'POST', path: (u) => `/billing/accounts/${u.id}/withdrawals`, body: { amount: -1 }, status: 400, fields: ['body.amount'] },
  { name: 'withdrawal of more than the balance', method: 'POST', path: (u) => `/billing/accounts/${u.id}/withdrawals`, body: { amount: 1_000_000 }, status: 409 },
  { name: "deposit to someone else's account", method: 'POST', path: () => `/billing/accounts/${crypto.randomUUID()}/deposits`, body: { amount: 1 }, status: 403 },
  { name: 'transactions with limit 0', method: 'GET', path: (u) => `/billing/accounts/${u.id}/transactions?limit=0`, status: 400, fields: ['querystring.limit'] },
  { name: 'transactions with limit 101', method: 'GET', path: (u) => `/billing/accounts/${u.id}/transactions?limit=101`, status: 400, fields: ['querystring.limit'] },
  { name: 'order without price', method: 'POST', path: () => '/orders', body: (u: Member) => ({ userId: u.id }), status: 400, fields: ['body.price'] },
  { name: 'order with a negative price', method: 'POST', path: () => '/orders', body: (u: Member) => ({ userId: u.id, price: -5 }), status: 400, fields: ['body.price'] },
  { name: 'order with a fractional price', method: 'POST', path: () => '/orders', body: (u: Member) => ({ userId: u.id, price: 0.5 }), status: 400, fields: ['body.price'] },
  { name: 'order with a price as a string', method: 'POST', path: () => '/orders', body: (u: Member) => ({ userId: u.id, price: '10' }), status: 400, fields: ['body.price'] },
  { name: 'order with an absurd price', method: 'POST', path: () => '/orders', body: (u: Member) => ({ userId: u.id, price: 1e15 }), status: 400, fields: ['body.price'] },
  { name: 'order with a user id that is not a UUID', method: 'POST', path: () => '/orders', body: { userId: 'bob', price: 5 }, status: 400, fields: ['body.userId'] },
  { name: 'order with an unknown field', method: 'POST', path: () => '/orders', body: (u: Member) => ({ userId: u.id, price: 5, status: 'paid' }), status: 400, fields: ['body.status'] },
  { name: 'order for someone else', method: 'POST', path: () => '/orders', body: { userId: crypto.randomUUID(), price: 5 }, status: 403 },
  { name: 'order list without userId', method: 'GET', path: () => '/orders', status: 400, fields: ['querystring.userId'] },
  { name: 'order list with an unknown filter', method: 'GET', path: (u) => `/orders?userId=${u.id}&status=paid`, status: 400, fields: ['querystring.status'] },
  { name: 'unknown order', method: 'GET', path: () => `/orders/${crypto.randomUUID()}`, status: 404 },
  { name: 'letters without a filter', method: 'GET', path: () => '/notifications', status: 400, fields: ['querystring.userId'] },
  { name: 'letters with both filters', method: 'GET', path: (u) => `/notifications?userId=${u.id}&email=${encodeURIComponent(u.email)}`, status: 400, fields: ['querystring.userId'] },
  { name: 'message without subject', method: 'POST', path: () => '/notifications', body: { email: 'a@example.com', body: 'hi' }, caller: 'admin', status: 400, fields: ['body.subject'] },
  { name: 'message to a malformed address', method: 'POST', path: () => '/notifications', body: { email: 'nope', subject: 's', body: 'b' }, caller: 'admin', status: 400, fields: ['body.email'] },
  { name: 'unknown letter', method: 'GET', path: () => `/notifications/${crypto.randomUUID()}`, status: 404 },
  { name: 'unknown path', method: 'GET', path: () => '/billing/nothing-here', status: 404 },
  // What PostgreSQL would refuse, refused first by the schemas.
  { name: 'a user id written as urn:uuid:', method: 'GET', path: (u) => `/users/urn:uuid:${u.id}`, status: 400, fields: ['params.userId'] },
  { name: 'an order for a urn:uuid: user id', method: 'POST', path: () => '/orders', body: (u: Member) => ({ userId: `urn:uuid:${u.id}`, price: 5 }), status: 400, fields: ['body.userId'] },
  { name: 'a letter id written as urn:uuid:', method: 'GET', path: () => `/notifications/urn:uuid:${crypto.randomUUID()}`, status: 400, fields: ['params.letterId'] },
  { name: 'a cursor written as urn:uuid:', method: 'GET', path: (u) => `/orders?userId=${u.id}&cursor=urn:uuid:${crypto.randomUUID()}`, status: 400, fields: ['querystring.cursor'] },
  { name: 'a name with a NUL character', method: 'POST', path: () => '/users', body: { email: 'nul@example.com', name: 'A\u0000B', password }, caller: 'anonymous', status: 400, fields: ['body.name'] },
  { name: 'a name with a lone surrogate', method: 'POST', path: () => '/users', body: { email: 'lone@example.com', name: 'A\ud800B', password }, caller: 'anonymous', status: 400, fields: ['body.name'] },
  { name: 'a subject with a NUL character', method: 'POST', path: () => '/notifications', body: { email: 'a@example.com', subject: '\u0000', body: 'b' }, caller: 'admin', status: 400, fields: ['body.subject'] },
  { name: 'a body of text/plain', method: 'POST', path: (u) => `/billing/accounts/${u.id}/deposits`, body: '{"amount":1}', headers: { 'content-type': 'text/plain' }, status: 415, code: 'unsupported-media-type' },
  { name: 'a body nested 8000 deep', method: 'POST', path: () => '/users', body: `${'['.repeat(8000)}${']'.repeat(8000)}`, caller: 'anonymous', status: 400 },
  { name: 'a price of -0', method: 'POST', path: () => '/orders', body: (u: Member) => `{"userId":"${u.id}","price":-0}`, status: 400, fields: ['body.price'] },
  { name: 'a body with a __proto__ key', method: 'POST', path: (u) => `/billing/accounts/${u.id}/deposits`, body: '{"amount":1,"__proto__":{"admin":true}}', status: 400 },
  { name: 'an Idempotency-Key of 256 characters', method: 'POST', path: (u) => `/billing/accounts/${u.id}/deposits`, body: { amount: 1 }, headers: { 'idempotency-key': 'k'.repeat(256) }, status: 400, fields: ['headers.idempotency-key'] },
  { name: 'headers of 20 kB', method: 'GET', path: (u) => `/orders?userId=${u.id}`, headers: { 'x-padding': 'p'.repeat(20_000) }, status: 431 },
  { name: 'a limit above 100', method: 'GET', path: (u) => `/notifications?userId=${u.id}&limit=1000000000000000000000`, status: 400, fields: ['querystring.limit'] },
];

for (const topology of topologies) {
  describe(`bad input (${topology})`, () => {
    const t = useSystem(topology);
    let user: Member;
    let admin: Api;
    before(async () => {
      user = await t.api.userWithAccount(500);
      admin = await t.api.admin();
    });

    for (const row of table) {
      test(`when a client sends ${row.name}, then it gets ${row.status} with a problem document and nothing changes`, async () => {
        const before = await snapshot();
        const body = typeof row.body === 'function' ? row.body(user) : row.body;
        const caller = { user, admin, anonymous: t.api }[row.caller ?? 'user'];
        const response = await caller.call(row.method, row.path(user), body, { ...(row.body !== undefined ? json : {}), ...row.headers });
        assert.equal(response.status, row.status, JSON.stringify(response.body));
        assert.equal(response.headers.get('content-type')?.split(';')[0], 'application/problem+json');
        assert.equal(response.body.status, row.status);
        for (const member of ['type', 'title', 'detail']) assert.equal(typeof response.body[member], 'string', member);
        const named = (response.body.errors ?? []).map((error: { field: string }) => error.field);
        for (const field of row.fields ?? []) assert.ok(named.includes(field), `errors name ${field}: ${JSON.stringify(named)}`);
        if (row.code) assert.equal(response.body.code, row.code);
        assert.doesNotMatch(JSON.stringify(response.body), /FST_|fst-/i, 'no word of the framework reaches the client');
        assert.deepEqual(await snapshot(), before);
      });
    }

    test('when a client sends a body of another media type, then the 415 names the one accepted, in its detail and in Accept', async () => {
      const response = await t.api.call('POST', '/users', 'email=a', { 'content-type': 'application/x-www-form-urlencoded' });
      assert.equal(response.status, 415);
      assert.equal(response.headers.get('accept'), 'application/json');
      assert.match(response.body.detail, /Content-Type: application\/json/);
    });

    test('when a client uses a method the path is not served with on the public port, then it is a 404: an internal endpoint looks absent', async () => {
      const response = await user.call('PUT', `/billing/accounts/${user.id}`);
      assert.equal(response.status, 404);
      assert.equal(response.body.code, 'not-found');
    });

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
        balance: await user.balance(),
      };
    }
  });
}

describe('a value the database refuses (embedded)', () => {
  let system: TestSystem;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'streamshop-gap-'));
    system = await startTestSystem({ logFile: join(dataDir, 'streamshop.log') });
  });
  after(async () => {
    await system?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('when PostgreSQL refuses a request value as a data exception (SQLSTATE 22), then it is a 400 problem, nothing changes, and the log names the validation gap', async () => {
    const user = await client(system.url).userWithAccount(500);
    // As if a schema let through a value the database cannot hold.
    const fault = await failInserts(system.database('billing'), 'ledger', user.id, 'invalid input syntax', '22P02');
    try {
      const refused = await user.post(`/billing/accounts/${user.id}/deposits`, { amount: 1 });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.headers.get('content-type')?.split(';')[0], 'application/problem+json');
      assert.equal(refused.body.code, 'invalid-value');
      assert.equal(await user.balance(), 500);
    } finally {
      await fault.lift();
    }
    const log = await readFile(join(dataDir, 'streamshop.log'), 'utf8');
    assert.match(log, /validation gap/);
    assert.match(log, /22P02/);
  });
});
