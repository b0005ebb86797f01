import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OrderCreatedV1, OrderPaidV1, UserCreatedV1 } from '../../src/contracts/events.ts';
import type { ServiceName } from '../../src/platform/runtime/index.ts';
import { type EventEnvelope, newEvent } from '../../src/platform/messaging/index.ts';
import { eventually, handledCount } from '../support/api.ts';
import type { TestSystem } from '../support/system.ts';
import { topologies, useSystem } from '../support/topology.ts';

for (const topology of topologies) {
  describe(`redelivered and out-of-order events (${topology})`, () => {
    const t = useSystem(topology);

    test('when orders.order.created is delivered twice, then the order is charged once and gets one letter', async () => {
      const user = await t.api.userWithAccount(1_000);
      const order = await user.post('/orders', { userId: user.id, price: 400 }, { prefer: 'wait=10' });
      assert.equal(order.body.status, 'paid');

      // Billing gets the event twice more, recognises it both times, and nothing else moves.
      await redeliverTwice(t.system, order.body.id, OrderCreatedV1.type, 'billing');
      const ledger = await user.transactions();
      assert.equal(ledger.filter((l) => l.type === 'payment').length, 1);
      assert.equal(await user.balance(), 600);
      assert.equal((await user.letters()).length, 1);
    });

    test('when orders.order.paid is delivered twice, then one letter is stored', async () => {
      const user = await t.api.userWithAccount(1_000);
      const order = await user.post('/orders', { userId: user.id, price: 100 }, { prefer: 'wait=10' });
      await eventually(async () => assert.equal((await user.letters()).length, 1));
      await redeliverTwice(t.system, order.body.id, OrderPaidV1.type, 'notifications');
      assert.equal((await user.letters()).length, 1);
    });

    test("when an order's outcome arrives before the user's address, then exactly one letter is stored once the address arrives", async () => {
      const userId = crypto.randomUUID();
      const orderId = crypto.randomUUID();
      const email = `late-${userId}@example.com`;
      const flow = { correlationId: `out-of-order-${orderId}` };
      // Made-up users have no password: the operator reads their letters.
      const admin = await t.api.admin();
      const lettersOf = async (id: string) =>
        (await admin.get<{ items: { kind: string; email: string; orderId: string }[] }>(`/notifications?userId=${id}&limit=100`)).body.items;
      await t.system.bus.publish(newEvent('orders', OrderPaidV1, { orderId, userId, price: 777 }, flow));
      // The outcome is kept, not lost, and not yet a letter.
      await eventually(async () => {
        const [kept] = await t.system.database('notifications')`SELECT count(*)::int AS n FROM pending_outcomes WHERE order_id = ${orderId}`;
        assert.equal(kept?.n, 1);
      });
      assert.equal((await lettersOf(userId)).length, 0);

      const created = newEvent('users', UserCreatedV1, { userId, email, name: 'Late Address' }, flow);
      await t.system.bus.publish(created);
      await t.system.bus.publish(created);
      const [letter] = await eventually(async () => {
        const found = await lettersOf(userId);
        assert.equal(found.length, 1);
        return found;
      });
      assert.equal(letter?.kind, 'order_paid');
      assert.equal(letter?.email, email);
      assert.equal(letter?.orderId, orderId);
      const byEmail = await admin.get(`/notifications?email=${encodeURIComponent(email)}`);
      assert.equal(byEmail.body.items.length, 1);
    });
  });
}

/**
 * Publishes again, twice, the very event orders published for an order, as a broker does after a lost ack,
 * and waits until the consumer has recognised both copies as duplicates.
 */
async function redeliverTwice(system: TestSystem, orderId: string, type: string, consumer: ServiceName): Promise<void> {
  const [row] = await system.database('orders')<{ envelope: EventEnvelope }[]>`
    SELECT envelope FROM outbox WHERE aggregate_id = ${orderId} AND event_type = ${type}`;
  assert.ok(row, `orders published no ${type} for ${orderId}`);
  const before = await handledCount(system, consumer, type, 'duplicate');
  await system.bus.publish(row.envelope);
  await system.bus.publish(row.envelope);
  await eventually(async () => assert.equal(await handledCount(system, consumer, type, 'duplicate'), before + 2));
}
