/**
 * The internal endpoints of the http styles, tried as an attacker would: they do not exist on the public port (the
 * gateway and the ingress answer 404); on the internal listener, no token is a 401, a user's or an operator's a 403,
 * and only the services each endpoint names may call it; a repeat with the same key changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { createServiceCredentials, parseServiceKey } from '../../src/platform/access/index.ts';
import { client } from '../support/api.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';

const internalUrlOf = async (system: TestSystem) => system.internalUrl();

describe('internal endpoints (embedded, http style)', () => {
  let system: TestSystem;
  before(async () => {
    system = await startTestSystem({ env: { INTERACTION_STYLE: 'http' } });
  });
  after(() => system?.stop());

  const endpoints = (userId: string, paymentId: string) => [
    { method: 'PUT', path: `/billing/accounts/${userId}`, body: undefined, callers: ['users'] },
    { method: 'POST', path: `/billing/accounts/${userId}/payments`, body: { paymentId, amount: 100 }, callers: ['orders'] },
    { method: 'POST', path: `/billing/payments/${paymentId}/refund`, body: { reason: 'cancelled_by_user' }, callers: ['orders'] },
    { method: 'PUT', path: `/notifications/recipients/${userId}`, body: { email: 'x@example.com', name: 'X' }, callers: ['users'] },
    { method: 'POST', path: '/notifications/letters', body: { userId, orderId: paymentId, kind: 'order_paid', price: 100 }, callers: ['orders'] },
  ];

  async function call(base: string, endpoint: { method: string; path: string; body: unknown }, token?: string) {
    const response = await fetch(base + endpoint.path, {
      method: endpoint.method,
      headers: { ...(endpoint.body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(endpoint.body === undefined ? {} : { body: JSON.stringify(endpoint.body) }),
    });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as { status?: string; code?: string } | undefined };
  }

  test('given each internal endpoint, when it is called on the public port, then it is a 404 as if it did not exist', async () => {
    const user = await client(system.url).userWithAccount(1_000);
    for (const endpoint of endpoints(user.id, crypto.randomUUID())) {
      const answer = await call(system.url, endpoint, user.token);
      assert.equal(answer.status, 404, `${endpoint.method} ${endpoint.path} on the public port`);
    }
  });

  test("given each internal endpoint, when it is called without a token, with a user's or an operator's, or by a service it does not name, then 401, 403, 403, 403", async () => {
    const base = await internalUrlOf(system);
    const api = client(system.url);
    const user = await api.userWithAccount(1_000);
    const admin = await api.admin();
    const credentials = await createServiceCredentials(parseServiceKey(await readFile(join(system.dataDir, 'auth', 'service-key.json'), 'utf8')));
    for (const endpoint of endpoints(user.id, crypto.randomUUID())) {
      const what = `${endpoint.method} ${endpoint.path}`;
      assert.equal((await call(base, endpoint)).status, 401, `${what} without a token`);
      assert.equal((await call(base, endpoint, user.token)).status, 403, `${what} with a user's token`);
      assert.equal((await call(base, endpoint, admin.token)).status, 403, `${what} with an operator's token`);
      const callee = endpoint.path.split('/')[1] as string;
      const stranger = ['users', 'orders', 'billing', 'notifications'].find((service) => !endpoint.callers.includes(service) && service !== callee) as string;
      assert.equal((await call(base, endpoint, await credentials.tokenFor(stranger, callee))).status, 403, `${what} by ${stranger}`);
      assert.equal((await call(base, endpoint, await credentials.tokenFor(endpoint.callers[0] as string, stranger))).status, 401, `${what} with a credential for ${stranger}`);
    }
  });

  test('given a charge and a refund, when each is called again with the same payment id, then the first answer comes back and money moves once', async () => {
    const base = await internalUrlOf(system);
    const user = await client(system.url).userWithAccount(1_000);
    const credentials = await createServiceCredentials(parseServiceKey(await readFile(join(system.dataDir, 'auth', 'service-key.json'), 'utf8')));
    const token = await credentials.tokenFor('orders', 'billing');
    const paymentId = crypto.randomUUID();
    const charge = { method: 'POST', path: `/billing/accounts/${user.id}/payments`, body: { paymentId, amount: 300 } };
    const first = await call(base, charge, token);
    const again = await call(base, charge, token);
    assert.equal(first.status, 201);
    assert.deepEqual(again, first);
    assert.equal(await user.balance(), 700);
    const refund = { method: 'POST', path: `/billing/payments/${paymentId}/refund`, body: { reason: 'cancelled_by_user' } };
    const refunded = await call(base, refund, token);
    assert.deepEqual(await call(base, refund, token), refunded);
    assert.equal(refunded.body?.status, 'refunded');
    assert.equal(await user.balance(), 1_000);
    const late = await call(base, charge, token);
    assert.deepEqual([late.status, late.body?.code], [409, 'payment-cancelled'], 'a charge after its refund is refused');
    assert.equal(await user.balance(), 1_000);
  });
});
