/**
 * "Where is order X?": operators see an order's step, attempts and deadline, list the orders that need a look, and
 * Retry or Compensate by hand, each action kept with who, when and why; users may do none of it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually, metricSum, TEST_ADMIN } from '../support/api.ts';
import { useSystem } from '../support/topology.ts';

describe('the order process, for operators (embedded)', () => {
  const t = useSystem('embedded', { env: { INTERACTION_STYLE: 'events' } });

  test('when a cancellation waits for a frozen billing, then it is listed as needing a look and counted by orders_overdue, until billing confirms', async () => {
    const user = await t.api.userWithAccount(1_000);
    const admin = await t.api.admin();
    await t.system.pause('billing');
    let orderId = '';
    try {
      orderId = (await user.post('/orders', { userId: user.id, price: 100 })).body.id;
      assert.equal((await user.post(`/orders/${orderId}/cancellation`, undefined)).body.status, 'cancelling');
      // As if it had waited a minute.
      await t.system.database('orders')`UPDATE orders SET updated_at = now() - interval '1 minute' WHERE id = ${orderId}`;
      const listed = (await admin.get('/orders/admin/processes')).body.items;
      const entry = listed.find((p: { order: { id: string } }) => p.order.id === orderId);
      assert.deepEqual([entry?.order.status, entry?.overdue], ['cancelling', true]);
      assert.ok((await metricSum(t.system, 'orders', /^orders_overdue\{[^}]*\} (\d+)/)) >= 1);
    } finally {
      await t.system.resume('billing');
    }
    await eventually(async () => assert.equal((await user.get(`/orders/${orderId}`)).body.status, 'cancelled'));
    const listed = (await admin.get('/orders/admin/processes')).body.items;
    assert.ok(!listed.some((p: { order: { id: string } }) => p.order.id === orderId), 'no longer listed');
  });

  test('when an operator compensates an order stuck pending, then it is rejected, whatever billing charged is given back, and the action is kept', async () => {
    const user = await t.api.userWithAccount(1_000);
    const admin = await t.api.admin();
    await t.system.pause('billing');
    let orderId = '';
    try {
      orderId = (await user.post('/orders', { userId: user.id, price: 400 })).body.id;
      const compensated = await admin.post(`/orders/admin/processes/${orderId}/compensate`, { reason: 'billing is down for maintenance' });
      assert.equal(compensated.status, 200);
      assert.deepEqual([compensated.body.order.status, compensated.body.order.reason, compensated.body.step], ['rejected', 'payment_timeout', null]);
      const [action] = compensated.body.actions;
      assert.deepEqual([action.action, action.by.email, action.reason], ['compensate', TEST_ADMIN.email, 'billing is down for maintenance']);
    } finally {
      await t.system.resume('billing');
    }
    // Billing carries out the charge it was sent, then the refund behind it: nothing stays charged.
    await eventually(async () => assert.equal(await user.balance(), 1_000), { timeoutMs: 15_000 });
    assert.equal((await user.get(`/orders/${orderId}`)).body.status, 'rejected');
    const retry = await admin.post(`/orders/admin/processes/${orderId}/retry`, { reason: 'just to see' });
    assert.deepEqual([retry.status, retry.body.code], [409, 'nothing-to-do']);
  });

  test("when a user asks for an order's process or acts on it, then it is a 403", async () => {
    const user = await t.api.userWithAccount(1_000);
    const order = (await user.post('/orders', { userId: user.id, price: 10 }, { prefer: 'wait=10' })).body;
    assert.equal((await user.get(`/orders/admin/processes/${order.id}`)).status, 403);
    assert.equal((await user.get('/orders/admin/processes')).status, 403);
    assert.equal((await user.post(`/orders/admin/processes/${order.id}/retry`, { reason: 'me' })).status, 403);
    const process = (await (await t.api.admin()).get(`/orders/admin/processes/${order.id}`)).body;
    assert.deepEqual([process.order.status, process.step, process.attempts, process.overdue], ['paid', null, 0, false]);
  });
});
