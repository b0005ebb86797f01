import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertLedgerConsistent, eventually } from '../support/api.ts';
import { holdAccountLock } from '../support/faults.ts';
import { answersFinalAtOnce, topologies, useSystem } from '../support/topology.ts';

for (const topology of topologies) {
  describe(`order flow (${topology})`, () => {
    const t = useSystem(topology);

    test('when a user registers, then billing opens an account with balance 0', async () => {
      const user = await t.api.userWithAccount();
      const account = await user.get(`/billing/accounts/${user.id}`);
      assert.equal(account.body.balance, 0);
      assert.equal(account.body.currency, 'RUB');
    });

    test('when the balance covers the price, then the order is paid, the money is taken and a happy letter is stored', async () => {
      const user = await t.api.userWithAccount(10_000);
      const placed = await user.post('/orders', { userId: user.id, price: 2_500 }, { prefer: 'wait=10' });
      assert.equal(placed.status, 201);
      assert.equal(placed.headers.get('location'), `/orders/${placed.body.id}`);
      assert.equal(placed.body.status, 'paid');
      assert.equal(placed.body.currency, 'RUB');
      assert.equal(await user.balance(), 7_500);

      const letters = await eventually(async () => {
        const found = await user.letters();
        assert.equal(found.length, 1);
        return found;
      });
      assert.equal(letters[0].kind, 'order_paid');
      assert.equal(letters[0].email, user.email);
      assert.equal(letters[0].orderId, placed.body.id);
      assert.match(letters[0].subject, new RegExp(placed.body.id));
      assert.match(letters[0].body, /25\.00 RUB/);

      const ledger = await user.transactions();
      assert.deepEqual(
        ledger.map((l) => [l.type, l.amount, l.orderId]),
        [
          ['payment', 2_500, placed.body.id],
          ['deposit', 10_000, undefined],
        ],
      );
      assertLedgerConsistent(ledger, 7_500);
    });

    test('when the balance does not cover the price, then the order is rejected, the balance untouched and a sad letter stored', async () => {
      const user = await t.api.userWithAccount(1_000);
      const placed = await user.post('/orders', { userId: user.id, price: 1_001 }, { prefer: 'wait=10' });
      assert.equal(placed.body.status, 'rejected');
      assert.equal(placed.body.reason, 'insufficient_funds');
      assert.equal(await user.balance(), 1_000);
      const [letter] = await eventually(async () => {
        const found = await user.letters();
        assert.equal(found.length, 1);
        return found;
      });
      assert.equal(letter.kind, 'order_rejected');
      assert.equal(letter.email, user.email);
      assert.equal(letter.orderId, placed.body.id);
    });

    test('when the user has no account, then the order is rejected with account_not_found', async () => {
      const user = await t.api.userWithAccount();
      // As if billing had not opened it yet (it opens on users.user.created, after the user can log in).
      await t.system.database('billing')`DELETE FROM accounts WHERE user_id = ${user.id}`;
      const placed = await user.post('/orders', { userId: user.id, price: 100 }, { prefer: 'wait=10' });
      assert.equal(placed.body.status, 'rejected');
      assert.equal(placed.body.reason, 'account_not_found');
    });

    // Each style runs the one of these two tests that says how it answers; the other is not its behaviour to test.
    const inHttpStyles = answersFinalAtOnce ? test : () => {};
    const inBrokerStyles = answersFinalAtOnce ? () => {} : test;
    inHttpStyles('in the http styles the first answer is final, and Prefer: wait is accepted and changes nothing', async () => {
      const user = await t.api.userWithAccount(500);
      const placed = await user.post('/orders', { userId: user.id, price: 100 });
      assert.equal(placed.body.status, 'paid');
      const waited = await user.post('/orders', { userId: user.id, price: 100 }, { prefer: 'wait=10' });
      assert.equal(waited.body.status, 'paid');
      assert.equal(waited.headers.get('preference-applied'), 'wait=10');
    });

    inBrokerStyles('without Prefer: wait the order comes back pending at once, and GET with wait sees it final', async () => {
      const user = await t.api.userWithAccount(500);
      // Billing cannot pay while the account row is locked: the answer cannot come after the payment.
      const lock = await holdAccountLock(t.system.database('billing'), user.id);
      const placed = await user.post('/orders', { userId: user.id, price: 100 }).finally(() => lock.release());
      assert.equal(placed.status, 201);
      assert.equal(placed.body.status, 'pending');
      const final = await user.get(`/orders/${placed.body.id}`, { prefer: 'wait=10' });
      assert.equal(final.status, 200);
      assert.equal(final.body.status, 'paid');
      assert.equal(final.headers.get('preference-applied'), 'wait=10');
    });

    test("a user's orders list newest first, with a cursor", async () => {
      const user = await t.api.userWithAccount(1_000);
      const ids: string[] = [];
      for (const price of [100, 200, 300]) ids.push((await user.post('/orders', { userId: user.id, price })).body.id);
      const first = await user.get(`/orders?userId=${user.id}&limit=2`);
      assert.deepEqual(first.body.items.map((o: { id: string }) => o.id), [ids[2], ids[1]]);
      const second = await user.get(`/orders?userId=${user.id}&limit=2&cursor=${first.body.nextCursor}`);
      assert.deepEqual(second.body.items.map((o: { id: string }) => o.id), [ids[0]]);
      assert.equal(second.body.nextCursor, null);
    });

    test('every request carries a correlation id back, the one given or a new one', async () => {
      const given = await t.api.get('/users/health/live', { 'x-correlation-id': 'trace-me-42' });
      assert.equal(given.headers.get('x-correlation-id'), 'trace-me-42');
      assert.ok((await t.api.get('/orders/health/live')).headers.get('x-correlation-id'));
    });

    test('health, readiness, metrics and OpenAPI are served under every prefix', async () => {
      for (const service of ['users', 'billing', 'orders', 'notifications']) {
        assert.equal((await t.api.get(`/${service}/health/live`)).status, 200);
        assert.equal((await t.api.get(`/${service}/health/ready`)).status, 200);
        const metrics = await t.api.get(`/${service}/metrics`);
        assert.match(metrics.body, /http_request_duration_seconds/);
        const openapi = await t.api.get(`/${service}/openapi.json`);
        assert.equal(openapi.body.openapi, '3.1.0');
        assert.ok(Object.keys(openapi.body.paths).some((p) => p.startsWith(`/${service}`)));
      }
    });
  });
}
