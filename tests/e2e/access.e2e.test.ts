/**
 * Identity and access, tried as an attacker would: every endpoint behind a token, with no token, forged ones,
 * another user's and the operator's, through the public API of the running system (on NATS too, where billing,
 * orders and notifications check tokens with the keys they read from users).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { type Api, eventually, type Member, type Response } from '../support/api.ts';
import { forgedTokens } from '../support/forged-tokens.ts';
import type { StackTestSystem } from '../support/stack.ts';
import { topologies, useSystem } from '../support/topology.ts';

interface Endpoint {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  /** The operation in docs/openapi/<service>.json, to check every status met is documented. */
  operation: [service: string, path: string, method: string];
  /** What the owner gets, what another user gets, what the operator gets. */
  owner: number;
  stranger: number;
  admin: number;
}

/** Every endpoint behind a token, each about Ann's data. */
function endpointsOf(ann: Member, orderId: string, letterId: string): Endpoint[] {
  const account = `/billing/accounts/${ann.id}`;
  return [
    // Names nobody: whoever calls it gets themself (Bob and the operator too), so no token is its only refusal.
    { name: 'read oneself', method: 'GET', path: '/users/me', operation: ['users', '/users/me', 'get'], owner: 200, stranger: 200, admin: 200 },
    { name: 'read the user', method: 'GET', path: `/users/${ann.id}`, operation: ['users', '/users/{userId}', 'get'], owner: 200, stranger: 403, admin: 200 },
    { name: 'find a user by address', method: 'GET', path: `/users?email=${encodeURIComponent(ann.email)}`, operation: ['users', '/users', 'get'], owner: 403, stranger: 403, admin: 200 },
    { name: 'list every order', method: 'GET', path: '/orders', operation: ['orders', '/orders', 'get'], owner: 400, stranger: 400, admin: 200 },
    { name: 'read the account', method: 'GET', path: account, operation: ['billing', '/billing/accounts/{userId}', 'get'], owner: 200, stranger: 403, admin: 200 },
    { name: 'deposit', method: 'POST', path: `${account}/deposits`, body: { amount: 1 }, operation: ['billing', '/billing/accounts/{userId}/deposits', 'post'], owner: 201, stranger: 403, admin: 403 },
    { name: 'withdraw', method: 'POST', path: `${account}/withdrawals`, body: { amount: 1 }, operation: ['billing', '/billing/accounts/{userId}/withdrawals', 'post'], owner: 201, stranger: 403, admin: 403 },
    { name: 'read the ledger', method: 'GET', path: `${account}/transactions`, operation: ['billing', '/billing/accounts/{userId}/transactions', 'get'], owner: 200, stranger: 403, admin: 200 },
    { name: 'place an order', method: 'POST', path: '/orders', body: { userId: ann.id, price: 1 }, operation: ['orders', '/orders', 'post'], owner: 201, stranger: 403, admin: 403 },
    { name: 'read an order', method: 'GET', path: `/orders/${orderId}`, operation: ['orders', '/orders/{orderId}', 'get'], owner: 200, stranger: 404, admin: 200 },
    { name: 'list the orders', method: 'GET', path: `/orders?userId=${ann.id}`, operation: ['orders', '/orders', 'get'], owner: 200, stranger: 403, admin: 200 },
    { name: 'list the letters', method: 'GET', path: `/notifications?userId=${ann.id}`, operation: ['notifications', '/notifications', 'get'], owner: 200, stranger: 403, admin: 200 },
    { name: 'list the letters by address', method: 'GET', path: `/notifications?email=${encodeURIComponent(ann.email.toUpperCase())}`, operation: ['notifications', '/notifications', 'get'], owner: 200, stranger: 403, admin: 200 },
    { name: 'read a letter', method: 'GET', path: `/notifications/${letterId}`, operation: ['notifications', '/notifications/{letterId}', 'get'], owner: 200, stranger: 404, admin: 200 },
    { name: 'send a message', method: 'POST', path: '/notifications', body: { email: ann.email, subject: 'Hi', body: 'Hello' }, operation: ['notifications', '/notifications', 'post'], owner: 403, stranger: 403, admin: 201 },
    ...['users', 'billing', 'orders', 'notifications'].flatMap((service) => operatorsRoutesOf(service, orderId)),
  ];
}

/** The operators' routes every service serves (no dead letter has this id: the operator gets past the check to a 404). */
function operatorsRoutesOf(service: string, orderId: string): Endpoint[] {
  const unknown = '01934f6e-7b1a-7c3d-9e2f-0a1b2c3d4e5f';
  const admin = (name: string, method: Endpoint['method'], path: string, operation: string, status: number, body?: unknown): Endpoint => ({
    name: `${service}: ${name}`,
    method,
    path: `/${service}${path}`,
    ...(body === undefined ? {} : { body }),
    operation: [service, `/${service}${operation}`, method.toLowerCase()],
    owner: 403,
    stranger: 403,
    admin: status,
  });
  return [
    admin('list the dead letters', 'GET', '/admin/dead-letters', '/admin/dead-letters', 200),
    admin('retry a dead letter', 'POST', `/admin/dead-letters/${unknown}/retry`, '/admin/dead-letters/{eventId}/retry', 404),
    admin('discard a dead letter', 'POST', `/admin/dead-letters/${unknown}/discard`, '/admin/dead-letters/{eventId}/discard', 404, { reason: 'mine' }),
    admin("read an order's events", 'GET', `/admin/events?subject=${orderId}`, '/admin/events', 200),
  ];
}

const documents = new Map<string, { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }>();
function assertDocumented(endpoint: Endpoint, status: number): void {
  const [service, path, method] = endpoint.operation;
  const file = join(import.meta.dirname, '..', '..', 'docs', 'openapi', `${service}.json`);
  const document = documents.get(service) ?? JSON.parse(readFileSync(file, 'utf8'));
  documents.set(service, document);
  const responses = document.paths[path]?.[method]?.responses ?? {};
  assert.ok(String(status) in responses, `${endpoint.method} ${path} answered ${status}, which its OpenAPI operation does not document`);
}

function assertProblem(response: Response, status: number, what: string): void {
  assert.equal(response.status, status, `${what}: ${JSON.stringify(response.body)}`);
  if (status >= 400) assert.equal(response.headers.get('content-type')?.split(';')[0], 'application/problem+json', what);
}

for (const topology of topologies) {
  describe(`identity and access (${topology})`, () => {
    const t = useSystem(topology);
    let ann: Member;
    let bob: Member;
    let admin: Api;
    let endpoints: Endpoint[];

    before(async () => {
      [ann, bob] = await Promise.all([t.api.userWithAccount(10_000), t.api.userWithAccount(10_000)]);
      admin = await t.api.admin();
      const order = await ann.post('/orders', { userId: ann.id, price: 100 }, { prefer: 'wait=10' });
      assert.equal(order.body.status, 'paid');
      const [letter] = await eventually(async () => {
        const letters = await ann.letters();
        assert.equal(letters.length, 1);
        return letters;
      });
      endpoints = endpointsOf(ann, order.body.id, letter.id);
    });

    /** Ann's money and orders, which no refused request may change. */
    async function annsState() {
      const orders = await ann.get(`/orders?userId=${ann.id}&limit=100`);
      return { balance: await ann.balance(), ledger: (await ann.transactions()).length, orders: orders.body.items.length };
    }

    test('when a request has no token, a malformed, expired, tampered or wrongly signed one (alg none, HS256 with the public key), then every endpoint answers 401 with WWW-Authenticate: Bearer and changes nothing', async () => {
      const before = await annsState();
      const tokens: Record<string, string | undefined> = { 'no token': undefined, ...(await forgedTokens(t.system, ann, bob)) };
      for (const endpoint of endpoints) {
        for (const [kind, token] of Object.entries(tokens)) {
          const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
          const response = await t.api.call(endpoint.method, endpoint.path, endpoint.body, headers);
          const what = `${endpoint.name} with ${kind}`;
          assertProblem(response, 401, what);
          assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer /, what);
          assertDocumented(endpoint, 401);
        }
      }
      const basic = await t.api.call('GET', `/users/${ann.id}`, undefined, { authorization: `Basic ${btoa(`${ann.email}:${ann.password}`)}` });
      assertProblem(basic, 401, 'a Basic authorization');
      assert.deepEqual(await annsState(), before);
    });

    test("when Bob uses his own valid token on Ann's data, then whatever names Ann is 403, Ann's order and letter are 404, and nothing changes", async () => {
      const before = await annsState();
      for (const endpoint of endpoints) {
        const response = await bob.call(endpoint.method, endpoint.path, endpoint.body);
        assertProblem(response, endpoint.stranger, `Bob: ${endpoint.name}`);
        if (endpoint.stranger === 403) assert.equal(response.body.code, 'forbidden');
        assertDocumented(endpoint, endpoint.stranger);
      }
      assert.deepEqual(await annsState(), before);
      assert.equal(await bob.balance(), 10_000, "Bob's requests moved none of his money either");
    });

    test("when the operator calls, then they read everything and send messages, but move nobody's money", async () => {
      const before = await annsState();
      for (const endpoint of endpoints) {
        const response = await admin.call(endpoint.method, endpoint.path, endpoint.body);
        assertProblem(response, endpoint.admin, `admin: ${endpoint.name}`);
        assertDocumented(endpoint, endpoint.admin);
      }
      assert.deepEqual(await annsState(), before);
    });

    test('when Ann uses her own token, then every endpoint about her answers as documented', async () => {
      for (const endpoint of endpoints) {
        const response = await ann.call(endpoint.method, endpoint.path, endpoint.body);
        assertProblem(response, endpoint.owner, `Ann: ${endpoint.name}`);
        assertDocumented(endpoint, endpoint.owner);
      }
    });

    test('the public keys are published without their private part, and health, metrics and OpenAPI need no token', async () => {
      const jwks = await t.api.get('/users/.well-known/jwks.json');
      assert.equal(jwks.status, 200);
      assert.ok(jwks.body.keys.length >= 1);
      for (const key of jwks.body.keys) {
        assert.deepEqual(Object.keys(key).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
        assert.equal(key.alg, 'EdDSA');
      }
      for (const service of ['users', 'billing', 'orders', 'notifications']) {
        for (const path of ['health/live', 'health/ready', 'metrics', 'openapi.json']) {
          assert.equal((await t.api.get(`/${service}/${path}`)).status, 200, `/${service}/${path}`);
        }
      }
      assert.equal((await t.api.get('/docs/')).status, 200);
    });

    if (topology === 'stack') {
      test('when users is down, then billing, orders and notifications still check tokens themselves, with the keys they read before', async () => {
        const { stack } = t.system as StackTestSystem;
        await stack.kill('users', 0);
        try {
          assert.equal((await ann.get(`/billing/accounts/${ann.id}`)).status, 200);
          assert.equal((await ann.get(`/orders?userId=${ann.id}`)).status, 200);
          assert.equal((await ann.get(`/notifications?userId=${ann.id}`)).status, 200);
          assert.equal((await bob.get(`/billing/accounts/${ann.id}`)).status, 403);
        } finally {
          await stack.restart('users', 0);
        }
      });

      test('when users starts signing with a new key, then the other services read it from users and accept its tokens, and tokens of the old key stay valid', async () => {
        const { stack, signingKeysFile } = t.system as StackTestSystem;
        const { keygenCommand } = await import('../../src/keygen-command.ts');
        const rotated = await captureStdout(() => keygenCommand(['--add', signingKeysFile]));
        const { writeFile } = await import('node:fs/promises');
        await writeFile(signingKeysFile, rotated);
        await stack.restart('users', 0);
        const fresh = t.api.as(await t.api.logIn(ann.email, ann.password));
        const [newKid] = JSON.parse(rotated).keys.map((key: { kid: string }) => key.kid);
        assert.equal(JSON.parse(atob((fresh.token as string).split('.')[0] as string)).kid, newKid, 'the new key signs');
        // billing has cached the old key alone: a token naming an unknown key makes it read the keys again.
        await eventually(async () => assert.equal((await fresh.get(`/billing/accounts/${ann.id}`)).status, 200), { timeoutMs: 15_000 });
        assert.equal((await ann.get(`/billing/accounts/${ann.id}`)).status, 200, 'a token of the old key');
        assert.equal((await t.api.get('/users/.well-known/jwks.json')).body.keys.length, 2);
      });
    }
  });
}

async function captureStdout(run: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => chunks.push(args.join(' '));
  try {
    await run();
  } finally {
    console.log = original;
  }
  return chunks.join('\n');
}
