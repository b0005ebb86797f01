/**
 * The saga survives the death of its orchestrator: with billing frozen, orders are placed and some cancelled, so
 * that charge and refund commands are in flight and every order waits on billing; then every orders replica is
 * killed with SIGKILL. Once billing is back and orders restarted, the processes kept in the orders database finish:
 * the orders left alone are paid, the cancelled ones are cancelled with their money back, nothing is charged twice,
 * and each order has exactly its letters.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertLedgerConsistent, client, eventually, type Member } from '../support/api.ts';
import { printCounts, skipWithoutNats, startStackSystem } from '../support/stack.ts';

const DEPOSIT = 10_000;
const PRICE = 1_000;

test(
  'when every orders replica is killed -9 while its saga waits on billing, and restarted, then every order finishes: paid, or cancelled with its money back, each charged at most once with its letters',
  { skip: skipWithoutNats(), timeout: 180_000 },
  async () => {
    // A deadline well past the outage: the orders must finish by the saga's own steps, not by timing out.
    const system = await startStackSystem({ env: { INTERACTION_STYLE: 'saga', PAYMENT_DEADLINE: '60s' } });
    try {
      const { stack } = system;
      const api = client(system.url);
      const users = await Promise.all(Array.from({ length: 6 }, () => api.userWithAccount(DEPOSIT)));
      await system.pause('billing');
      const orders: { user: Member; id: string; cancelled: boolean }[] = [];
      try {
        for (const [index, user] of users.entries()) {
          const placed = await user.post('/orders', { userId: user.id, price: PRICE });
          assert.equal(placed.status, 201);
          assert.equal(placed.body.status, 'pending', 'billing is frozen: the order waits on its charge');
          const cancelled = index % 2 === 1;
          if (cancelled) {
            const cancellation = await user.post(`/orders/${placed.body.id}/cancellation`, undefined);
            assert.deepEqual([cancellation.status, cancellation.body.status], [202, 'cancelling']);
          }
          orders.push({ user, id: placed.body.id as string, cancelled });
        }
        // Every process is in the orders database, waiting: the commands are out (outbox empty), no reply came.
        await eventually(async () => {
          const [row] = await system.database('orders')<{ waiting: number; unpublished: number }[]>`
            SELECT (SELECT count(*)::int FROM orders WHERE follow_up IS NOT NULL) AS waiting,
                   (SELECT count(*)::int FROM outbox WHERE published_at IS NULL) AS unpublished`;
          assert.deepEqual(row, { waiting: orders.length, unpublished: 0 });
        });
        for (let index = 0; index < stack.replicas.orders; index++) await stack.kill('orders', index, 'SIGKILL');
      } finally {
        await system.resume('billing');
      }
      for (let index = 0; index < stack.replicas.orders; index++) await stack.restart('orders', index);

      for (const { user, id, cancelled } of orders) {
        const order = await eventually(async () => {
          const current = (await user.get(`/orders/${id}`, { prefer: 'wait=5' })).body;
          assert.equal(current.status, cancelled ? 'cancelled' : 'paid', `order ${id}`);
          return current;
        }, { timeoutMs: 60_000 });
        if (cancelled) assert.equal(order.reason, 'cancelled_by_user');
        const ledger = await eventually(async () => {
          const lines = (await user.transactions()).filter((line) => line.orderId === id);
          const payments = lines.filter((line) => line.type === 'payment').length;
          const refunds = lines.filter((line) => line.type === 'refund').length;
          assert.ok(payments <= 1, `order ${id} charged ${payments} times`);
          assert.equal(refunds, cancelled ? payments : 0, `order ${id}: refunds`);
          return lines;
        });
        const balance = cancelled ? DEPOSIT : DEPOSIT - PRICE;
        assert.equal(await user.balance(), balance);
        assertLedgerConsistent(await user.transactions(), balance);
        await eventually(async () => {
          const kinds = (await user.letters()).filter((letter) => letter.orderId === id).map((letter) => letter.kind);
          assert.deepEqual(kinds, [cancelled ? 'order_cancelled' : 'order_paid'], `letters of order ${id}`);
        });
        assert.ok(ledger.length <= 2);
      }
      assert.deepEqual(stack.unexpectedExits(), []);
      printCounts('stack: orders killed -9 mid-saga', { orders: orders.length, cancelled: orders.filter((o) => o.cancelled).length });
    } finally {
      await system.stop();
    }
  },
);
