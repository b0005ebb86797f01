/**
 * The orchestrated saga (INTERACTION_STYLE=saga) with a deadline of a few seconds: billing frozen past the deadline
 * turns every order placed meanwhile into rejected/payment_timeout on time and, once billing is back, nothing stays
 * charged; billing frozen for less leaves every order paid; repeated commands and replies change nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChargeCommandV1, PaymentSucceededV1 } from '../../src/contracts/events.ts';
import { newEvent } from '../../src/platform/messaging/index.ts';
import { assertLedgerConsistent, eventually, type Member } from '../support/api.ts';
import { topologies, useSystem } from '../support/topology.ts';

const DEADLINE_MS = 3_000;
/** The timer looks every second: an order is rejected within the deadline and two seconds. */
const REJECTED_WITHIN_MS = DEADLINE_MS + 2_000;

/** Every letter of an order, by kind. */
const lettersOf = async (user: Member, orderId: string) => (await user.letters()).filter((l) => l.orderId === orderId).map((l) => l.kind);

for (const topology of topologies) {
  describe(`the orchestrated saga (${topology})`, () => {
    const t = useSystem(topology, { env: { INTERACTION_STYLE: 'saga', PAYMENT_DEADLINE: `${DEADLINE_MS}ms` } });

    test('when billing is frozen longer than the deadline, then the orders placed meanwhile are rejected as payment_timeout on time, and none stays charged once it is back', async () => {
      const users = await Promise.all([1, 2, 3].map(() => t.api.userWithAccount(1_000)));
      await t.system.pause('billing');
      let placedAt = 0;
      let orders: { user: Member; id: string }[] = [];
      try {
        placedAt = Date.now();
        orders = await Promise.all(users.map(async (user) => ({ user, id: (await user.post('/orders', { userId: user.id, price: 300 })).body.id as string })));
        for (const { user, id } of orders) {
          const order = (await user.get(`/orders/${id}`, { prefer: `wait=${Math.ceil(REJECTED_WITHIN_MS / 1000) + 2}` })).body;
          assert.deepEqual([order.status, order.reason], ['rejected', 'payment_timeout']);
          assert.ok(Date.parse(order.updatedAt) - placedAt <= REJECTED_WITHIN_MS + 1_000, `rejected ${Date.parse(order.updatedAt) - placedAt} ms after it was placed`);
        }
      } finally {
        await t.system.resume('billing');
      }
      for (const { user, id } of orders) {
        // Billing now carries out the charges that waited and the refunds behind them: in the end, no net charge.
        await eventually(async () => {
          const ledger = await user.transactions();
          const moved = ledger.filter((line) => line.orderId === id);
          assert.equal(moved.filter((line) => line.type === 'payment').length, moved.filter((line) => line.type === 'refund').length);
          assert.equal(await user.balance(), 1_000);
          assertLedgerConsistent(ledger, 1_000);
        }, { timeoutMs: 20_000 });
        await eventually(async () => assert.deepEqual(await lettersOf(user, id), ['order_rejected']));
        assert.equal((await user.get(`/orders/${id}`)).body.status, 'rejected', 'a late charge does not make it paid');
      }
    });

    test('when billing is frozen for less than the deadline, then every order placed meanwhile is paid', async () => {
      const users = await Promise.all([1, 2].map(() => t.api.userWithAccount(1_000)));
      await t.system.pause('billing');
      let ids: string[] = [];
      try {
        ids = await Promise.all(users.map(async (user) => (await user.post('/orders', { userId: user.id, price: 100 })).body.id as string));
        await sleep(DEADLINE_MS / 3);
      } finally {
        await t.system.resume('billing');
      }
      for (const [i, user] of users.entries()) {
        const order = (await (user as Member).get(`/orders/${ids[i]}`, { prefer: 'wait=10' })).body;
        assert.equal(order.status, 'paid');
        assert.equal(await (user as Member).balance(), 900);
      }
    });

    test('when a charge command and its reply come again, then nothing moves twice and the order keeps its one letter', async () => {
      const user = await t.api.userWithAccount(1_000);
      const paid = (await user.post('/orders', { userId: user.id, price: 250 }, { prefer: 'wait=10' })).body;
      assert.equal(paid.status, 'paid');
      const correlation = { correlationId: `again-${paid.id}` };
      await t.system.bus.publish(newEvent('orders', ChargeCommandV1, { paymentId: paid.id, userId: user.id, amount: 250, currency: 'RUB' }, correlation));
      const payment = (await user.transactions()).find((line) => line.type === 'payment');
      const data = { orderId: paid.id, paymentId: paid.id, userId: user.id, amount: 250, transactionId: payment?.transactionId, balance: 750 };
      await t.system.bus.publish(newEvent('billing', PaymentSucceededV1, data, correlation));
      await eventually(async () => assert.deepEqual(await lettersOf(user, paid.id), ['order_paid']));
      // The repeated command was answered again; give its answer time to arrive and be ignored.
      await eventually(async () => {
        const handled = await t.system.database('orders')`SELECT count(*)::int AS n FROM inbox WHERE subject = ${paid.id} AND event_type = ${PaymentSucceededV1.type}`;
        assert.ok((handled[0]?.n ?? 0) >= 3, 'the first reply, the injected one, and the answer to the repeated command');
      });
      assert.equal(await user.balance(), 750);
      assert.equal((await user.transactions()).filter((line) => line.type === 'payment').length, 1);
      assert.equal((await user.get(`/orders/${paid.id}`)).body.status, 'paid');
    });
  });
}
