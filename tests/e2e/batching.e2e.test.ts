/**
 * Events that reach a consumer together are handled in one transaction (src/platform/consumer.ts), and orders
 * placed together are written in one (src/platform/group-commit.ts). These tests send bursts and check that
 * sharing a transaction changes none of the guarantees.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OrderCreatedV1, PaymentRejectedV1, PaymentSucceededV1 } from '../../src/contracts/events.ts';
import { type EventEnvelope, newEvent } from '../../src/platform/messaging/index.ts';
import { assertLedgerConsistent, eventually, handledCount, type Member, metricSum } from '../support/api.ts';
import { failInserts } from '../support/faults.ts';
import type { TestSystem } from '../support/system.ts';
import { topologies, useSystem } from '../support/topology.ts';

for (const topology of topologies) {
  describe(`events handled together (${topology})`, () => {
    const t = useSystem(topology);

    test('when 60 orders of three users reach billing at once, then they share transactions and each is paid or refused once', async () => {
      const users = await Promise.all([1_000, 1_000, 250].map((deposit) => t.api.userWithAccount(deposit)));
      const [rich, alsoRich, poor] = users as [User, User, User];
      const batchesBefore = await sharedTransactions(t.system);
      const splitBefore = await splitBatches(t.system);
      const handledBefore = await handledCount(t.system, 'billing', OrderCreatedV1.type, 'handled');

      const events = users.flatMap((user) => Array.from({ length: 20 }, () => orderCreated(user.id, 100)));
      await Promise.all(events.map((event) => t.system.bus.publish(event)));
      await eventually(async () => assert.equal(await handledCount(t.system, 'billing', OrderCreatedV1.type, 'handled'), handledBefore + 60));

      assert.ok((await sharedTransactions(t.system)) > batchesBefore, 'some of the events shared a transaction');
      // No batch failed: batches of two billing replicas lock the same accounts in the same order, so neither
      // waits for the other in a cycle (PostgreSQL would end one as a deadlock).
      assert.equal(await splitBatches(t.system), splitBefore, 'no batch failed');
      for (const [user, paid, balance] of [[rich, 10, 0], [alsoRich, 10, 0], [poor, 2, 50]] as const) {
        const ledger = await user.transactions();
        assert.equal(ledger.filter((line) => line.type === 'payment').length, paid);
        assert.equal(await user.balance(), balance);
        assertLedgerConsistent(ledger, balance);
      }
      // Exactly one outcome per order: 22 payments and 38 refusals, none twice.
      const outcomes = await t.system.database('billing')<{ event_type: string; n: number }[]>`
        SELECT event_type, count(*)::int AS n FROM outbox
        WHERE aggregate_id = ANY(${events.map((event) => event.subject)}) GROUP BY event_type ORDER BY event_type`;
      assert.deepEqual(
        outcomes.map((row) => [row.event_type, row.n]),
        [[PaymentRejectedV1.type, 38], [PaymentSucceededV1.type, 22]],
      );
    });

    test('when one event of a burst keeps failing, then the others are handled meanwhile and it is paid once on a redelivery', async () => {
      const [unlucky, lucky] = (await Promise.all([t.api.userWithAccount(1_000), t.api.userWithAccount(1_000)])) as [User, User];
      // Every payment of `unlucky` fails inside billing's transaction, after its balance update, until the fault is lifted.
      const fault = await failInserts(t.system.database('billing'), 'ledger', unlucky.id, 'injected fault in a burst');
      try {
        const failedBefore = await handledCount(t.system, 'billing', OrderCreatedV1.type, 'failed');
        const handledBefore = await handledCount(t.system, 'billing', OrderCreatedV1.type, 'handled');
        const events = [orderCreated(unlucky.id, 100), ...Array.from({ length: 19 }, () => orderCreated(lucky.id, 10))];
        // The in-process bus resolves a publish once the event is handled: the unlucky one resolves last.
        const published = Promise.all(events.map((event) => t.system.bus.publish(event)));

        await eventually(async () => assert.equal(await handledCount(t.system, 'billing', OrderCreatedV1.type, 'handled'), handledBefore + 19));
        await eventually(async () => assert.ok((await handledCount(t.system, 'billing', OrderCreatedV1.type, 'failed')) > failedBefore));
        assert.equal(await lucky.balance(), 810);
        assert.equal((await lucky.transactions()).filter((line) => line.type === 'payment').length, 19);
        assert.equal(await unlucky.balance(), 1_000, 'the failed attempts left no trace');

        await fault.lift();
        await eventually(async () => assert.equal(await handledCount(t.system, 'billing', OrderCreatedV1.type, 'handled'), handledBefore + 20));
        await published;
        assert.equal(await unlucky.balance(), 900, 'charged once, on a redelivery');
        assert.equal((await unlucky.transactions()).filter((line) => line.type === 'payment').length, 1);
      } finally {
        await fault.lift();
      }
    });

    test('when 20 orders are placed at once and one of them cannot be written, then the other 19 are placed and only it fails', async () => {
      const [unlucky, lucky] = (await Promise.all([t.api.userWithAccount(1_000), t.api.userWithAccount(1_000)])) as [User, User];
      const fault = await failInserts(t.system.database('orders'), 'orders', unlucky.id, 'injected fault: order not written');
      try {
        const groupsBefore = await sharedWrites(t.system);
        const prices = Array.from({ length: 20 }, (_, i) => i + 1);
        const answers = await Promise.all(
          prices.map((price) => {
            const user = price === 7 ? unlucky : lucky;
            return user.post('/orders', { userId: user.id, price });
          }),
        );
        assert.deepEqual(
          answers.map((answer) => answer.status),
          prices.map((price) => (price === 7 ? 500 : 201)),
        );
        assert.ok((await sharedWrites(t.system)) > groupsBefore, 'some of the orders shared a transaction');
        const placed = await lucky.get(`/orders?userId=${lucky.id}&limit=100`);
        assert.deepEqual(placed.body.items.map((order: { price: number }) => order.price).sort((a: number, b: number) => a - b), prices.filter((p) => p !== 7));
        assert.equal((await unlucky.get(`/orders?userId=${unlucky.id}`)).body.items.length, 0);
        // Each placed order was announced once: billing pays all 19 (1 + ... + 20 - 7 = 203).
        await eventually(async () => assert.equal(await lucky.balance(), 1_000 - 203));
      } finally {
        await fault.lift();
      }
    });
  });
}

type User = Member;

/** An order as the orders service announces it; billing pays it (no order row is needed for that). */
function orderCreated(userId: string, price: number): EventEnvelope {
  const orderId = crypto.randomUUID();
  return newEvent('orders', OrderCreatedV1, { orderId, userId, price, currency: 'RUB' }, { correlationId: `burst-${orderId}` });
}

/** Consumer transactions of billing that handled more than one event (event_batch_size), over its replicas. */
async function sharedTransactions(system: TestSystem): Promise<number> {
  const all = await metricSum(system, 'billing', /^event_batch_size_count\{[^}]*\} (\d+)$/);
  return all - (await metricSum(system, 'billing', /^event_batch_size_bucket\{le="1"[^}]*\} (\d+)$/));
}

/** Transactions of the orders service that placed more than one order (write_group_size), over its replicas. */
async function sharedWrites(system: TestSystem): Promise<number> {
  const all = await metricSum(system, 'orders', /^write_group_size_count\{[^}]*write="orders\.place"[^}]*\} (\d+)$/);
  return all - (await metricSum(system, 'orders', /^write_group_size_bucket\{le="1"[^}]*write="orders\.place"[^}]*\} (\d+)$/));
}

/** Consumer transactions of billing that failed and were handled again event by event. */
const splitBatches = (system: TestSystem) => metricSum(system, 'billing', /^event_batches_split_total\{[^}]*\} (\d+)$/);
