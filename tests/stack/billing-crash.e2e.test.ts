import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from '../support/api.ts';
import {
  burst,
  consumerState,
  placeOrders,
  printCounts,
  settleAndCheck,
  skipWithoutNats,
  startBurstScenario,
} from '../support/stack.ts';


test(
  'when a billing replica is killed -9 in the middle of a burst of orders, holding events it has not acknowledged, and restarted, then every order ends final, is charged at most once, money is conserved and each order has one letter',
  { skip: skipWithoutNats(), timeout: 150_000 },
  async (t) => {
    const { system, stack, users, orders } = await startBurstScenario(t);
    const billingHandled = async () => {
      const [row] = await system.database('billing')<{ n: number }[]>`
        SELECT count(*)::int AS n FROM inbox WHERE event_type = 'orders.order.created.v1'`;
      return row?.n ?? 0;
    };

    const split = Math.floor(orders.length * 0.3);
    const started = Date.now();

    // The burst starts; then billing-1 freezes (SIGSTOP) while the rest of it arrives, so the events it takes
    // stay unacknowledged in its memory, and is killed with them: a crash in the middle of handling.
    await placeOrders(orders.slice(0, split));
    const pid = stack.pid('billing', 0);
    assert.ok(pid);
    process.kill(pid, 'SIGSTOP');
    await placeOrders(orders.slice(split));
    const held = await eventually(
      async () => {
        const [handled, consumer] = await Promise.all([billingHandled(), consumerState(stack.natsUrl, 'ORDERS', 'billing')]);
        // Every event is handled or held unacknowledged by the frozen replica (some of those it may have
        // committed just before freezing, without its ack getting out: both counts include them).
        assert.equal(consumer.pending, 0, 'events not yet delivered');
        assert.ok(handled + consumer.ackPending >= orders.length, 'billing-2 is still working');
        assert.ok(consumer.ackPending > 0, 'the frozen replica took no event');
        return { unhandled: orders.length - handled, unacknowledged: consumer.ackPending };
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    await stack.kill('billing', 0, 'SIGKILL');
    await stack.restart('billing', 0);

    // The killed replica's events come back after the ack wait (30 s), to whichever replica pulls first.
    const outcome = await settleAndCheck(system, users, orders.length, 90_000);
    assert.equal(outcome.paid, burst.paid);
    assert.equal(outcome.rejected, burst.rejected);
    assert.equal(outcome.charges, outcome.paid);
    assert.equal(outcome.letters, orders.length);
    assert.deepEqual(stack.unexpectedExits(), []);
    const after = await consumerState(stack.natsUrl, 'ORDERS', 'billing');
    assert.equal(after.ackPending, 0);
    printCounts('stack: billing replica killed -9', {
      ordersUnhandledWhenKilled: held.unhandled,
      eventsUnacknowledgedByKilledReplica: held.unacknowledged,
      ...outcome,
      settledMs: Date.now() - started,
    });
  },
);
