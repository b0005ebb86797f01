/**
 * Starting in another interaction style on the same data finishes what the previous one left in flight: events
 * still in the outboxes are delivered, pending orders are settled, refunds owed are made.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertLedgerConsistent, client, eventually } from '../support/api.ts';
import { startTestSystem } from '../support/system.ts';

describe('switching styles on the same data (embedded)', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'streamshop-switch-'));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  test('when orders placed in the events style are still in the outbox, then the http style delivers them first: they are paid and get their letters', async () => {
    let system = await startTestSystem({ dataDir, env: { INTERACTION_STYLE: 'events' } });
    let user = await client(system.url).userWithAccount(1_000);
    await system.stop();
    // The relays are paused: the orders commit with their events, which nobody publishes before the stop.
    system = await startTestSystem({ dataDir, relay: 'paused', env: { INTERACTION_STYLE: 'events' } });
    user = await client(system.url).signIn(user);
    const orders = [await user.post('/orders', { userId: user.id, price: 100 }), await user.post('/orders', { userId: user.id, price: 200 })];
    assert.deepEqual(orders.map((o) => o.body.status), ['pending', 'pending']);
    await system.stop();

    system = await startTestSystem({ dataDir, env: { INTERACTION_STYLE: 'http' } });
    try {
      user = await client(system.url).signIn(user);
      for (const order of orders) assert.equal((await user.get(`/orders/${order.body.id}`)).body.status, 'paid');
      assert.equal(await user.balance(), 700);
      await eventually(async () => assert.equal((await user.letters()).filter((l) => l.kind === 'order_paid').length, 2));
      const [left] = await system.database('orders')`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`;
      assert.equal(left?.n, 0, 'the outbox is drained');
    } finally {
      await system.stop();
    }
  });

  test('when the http style left an order whose payment it could not confirm, then the events style gives that payment back', async () => {
    let system = await startTestSystem({ dataDir, env: { INTERACTION_STYLE: 'http' } });
    let user = await client(system.url).userWithAccount(1_000);
    // A charge billing made while orders had given up on it: the http style's reconciliation is still to give it back.
    const orderId = crypto.randomUUID();
    await system.database('orders')`
      INSERT INTO orders (id, user_id, price, status, reason, follow_up, follow_up_at, refund_cause)
      VALUES (${orderId}, ${user.id}, 300, 'rejected', 'billing_unavailable', 'refund', now() + interval '1 hour', 'billing_unavailable')`;
    await system.database('billing').begin(async (tx) => {
      await tx`UPDATE accounts SET balance = balance - 300 WHERE user_id = ${user.id}`;
      const [line] = await tx<{ id: string }[]>`
        INSERT INTO ledger (id, user_id, type, amount, balance_after, order_id) VALUES (${crypto.randomUUID()}, ${user.id}, 'payment', 300, 700, ${orderId}) RETURNING id`;
      await tx`INSERT INTO payments (payment_id, user_id, amount, status, charge_transaction_id) VALUES (${orderId}, ${user.id}, 300, 'charged', ${line?.id ?? null})`;
    });
    await system.stop();

    system = await startTestSystem({ dataDir, env: { INTERACTION_STYLE: 'events' } });
    try {
      user = await client(system.url).signIn(user);
      await system.database('orders')`UPDATE orders SET follow_up_at = now() WHERE id = ${orderId}`;
      await eventually(async () => {
        assert.equal(await user.balance(), 1_000, 'the charge is given back');
        const [order] = await system.database('orders')`SELECT follow_up FROM orders WHERE id = ${orderId}`;
        assert.equal(order?.follow_up, null, 'and the order has nothing more to do');
      }, { timeoutMs: 15_000 });
      assertLedgerConsistent(await user.transactions(), 1_000);
      assert.equal((await user.get(`/orders/${orderId}`)).body.status, 'rejected');
    } finally {
      await system.stop();
    }
  });
});
