/**
 * What style 1 (http: calls only, no broker) does when a service it calls is frozen, as the architecture doc says it
 * must: an order gets a 503 and ends rejected with nothing charged in the end (the reconciliation gives back what a
 * late charge took); a letter is lost and counted; a registration is refused and its possible orphan counted.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertLedgerConsistent, eventually, metricSum } from '../support/api.ts';
import { topologies, useSystem } from '../support/topology.ts';

for (const topology of topologies) {
  describe(`the http style when a service it calls is frozen (${topology})`, () => {
    const t = useSystem(topology, { env: { INTERACTION_STYLE: 'http' } });

    test('when billing is frozen, then POST /orders is a 503 with Retry-After, the order ends rejected as billing_unavailable, and nothing stays charged once billing is back', async () => {
      const user = await t.api.userWithAccount(1_000);
      const key = { 'idempotency-key': `http-${crypto.randomUUID()}` };
      await t.system.pause('billing');
      let refused: { status: number; headers: Headers; body: { code: string; order: { id: string } } };
      try {
        refused = await user.post('/orders', { userId: user.id, price: 300 }, key);
      } finally {
        await t.system.resume('billing');
      }
      assert.equal(refused.status, 503);
      assert.ok(Number(refused.headers.get('retry-after')) > 0, 'Retry-After');
      assert.equal(refused.body.code, 'billing-unavailable');
      const orderId = refused.body.order.id as string;
      // Billing carries out the charge that waited while it was frozen; the reconciliation then gives it back.
      await eventually(async () => {
        const ledger = await user.transactions();
        const lines = ledger.filter((line) => line.orderId === orderId);
        assert.equal(lines.filter((l) => l.type === 'payment').length, lines.filter((l) => l.type === 'refund').length, 'no net charge');
        assert.equal(await user.balance(), 1_000);
        assertLedgerConsistent(ledger, 1_000);
      }, { timeoutMs: 20_000 });
      const replay = await user.post('/orders', { userId: user.id, price: 300 }, key);
      assert.deepEqual([replay.status, replay.body.id, replay.body.status, replay.body.reason], [201, orderId, 'rejected', 'billing_unavailable']);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      const next = await user.post('/orders', { userId: user.id, price: 300 });
      assert.equal(next.body.status, 'paid', 'served normally once billing answers again');
    });

    test('when notifications is frozen, then the order is answered as usual and its letter is lost and counted', async () => {
      const user = await t.api.userWithAccount(1_000);
      const lost = () => metricSum(t.system, 'orders', /^letters_lost_total\{[^}]*\} (\d+)/);
      const before = await lost();
      await t.system.pause('notifications');
      try {
        const order = await user.post('/orders', { userId: user.id, price: 100 });
        assert.equal(order.body.status, 'paid');
        await eventually(async () => assert.equal(await lost(), before + 1), { timeoutMs: 10_000 });
      } finally {
        await t.system.resume('notifications');
      }
    });

    test('when billing is frozen, then registration is a 503, the user is not created, and the account it may leave is counted', async () => {
      const orphaned = () => metricSum(t.system, 'users', /^registrations_orphaned_total\{[^}]*\} (\d+)/);
      const before = await orphaned();
      const email = `frozen-${crypto.randomUUID()}@example.com`;
      await t.system.pause('billing');
      try {
        const refused = await t.api.post('/users', { email, name: 'Frozen', password: 'frozen-password' });
        assert.equal(refused.status, 503);
        assert.equal(refused.body.code, 'registration-unavailable');
      } finally {
        await t.system.resume('billing');
      }
      assert.equal(await orphaned(), before + 1);
      assert.equal((await t.api.post('/users/login', { email, password: 'frozen-password' })).status, 401, 'no such user');
      const again = await t.api.post('/users', { email, name: 'Frozen', password: 'frozen-password' });
      assert.equal(again.status, 201, 'the address is free: the user was never created');
    });
  });
}
