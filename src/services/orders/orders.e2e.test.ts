import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useSystem } from '../../../tests/support/topology.ts';

describe('orders', () => {
  const t = useSystem('embedded');

  test('when POST /orders is retried with the same Idempotency-Key, then there is one order and one charge', async () => {
    const user = await t.api.userWithAccount(1_000);
    const key = { 'idempotency-key': `order-${crypto.randomUUID()}`, prefer: 'wait=10' };
    const attempts = await Promise.all([1, 2, 3, 4].map(() => user.post('/orders', { userId: user.id, price: 300 }, key)));
    assert.equal(new Set(attempts.map((a) => a.body.id)).size, 1);
    assert.ok(attempts.every((a) => a.status === 201 && a.body.status === 'paid'));
    assert.equal(attempts.filter((a) => a.headers.get('idempotent-replayed') === 'true').length, 3);
    assert.equal((await user.get(`/orders?userId=${user.id}`)).body.items.length, 1);
    assert.equal(await user.balance(), 700);
  });

  test('when the same Idempotency-Key comes with another price, then it is a 422 and no order is placed', async () => {
    const user = await t.api.userWithAccount(1_000);
    const key = { 'idempotency-key': `order-${crypto.randomUUID()}` };
    await user.post('/orders', { userId: user.id, price: 100 }, key);
    const conflict = await user.post('/orders', { userId: user.id, price: 999 }, key);
    assert.equal(conflict.status, 422);
    assert.equal(conflict.headers.get('content-type')?.split(';')[0], 'application/problem+json');
    assert.equal((await user.get(`/orders?userId=${user.id}`)).body.items.length, 1);
  });

  test('Prefer: wait is capped at 30 seconds and answers as soon as the order is final', async () => {
    const user = await t.api.userWithAccount(1_000);
    const started = Date.now();
    const placed = await user.post('/orders', { userId: user.id, price: 1 }, { prefer: 'wait=3600' });
    assert.equal(placed.headers.get('preference-applied'), 'wait=30');
    assert.equal(placed.body.status, 'paid');
    assert.ok(Date.now() - started < 5_000, 'woken by the outcome, not by the timeout');
  });

  test('when an operator lists orders naming nobody, then every order comes, newest first; a user must name themselves', async () => {
    const [ann, bob] = await Promise.all([t.api.userWithAccount(1_000), t.api.userWithAccount(1_000)]);
    const first = await ann.post('/orders', { userId: ann.id, price: 10 });
    const second = await bob.post('/orders', { userId: bob.id, price: 20 });
    const all = await (await t.api.admin()).get('/orders?limit=100');
    const ids = all.body.items.map((order: { id: string }) => order.id);
    assert.ok(ids.indexOf(second.body.id) < ids.indexOf(first.body.id) && ids.indexOf(first.body.id) >= 0, 'both, newest first');
    const refused = await ann.get('/orders');
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 'filter-required');
  });
});
