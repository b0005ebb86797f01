import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from '../support/api.ts';
import { burst, placeOrders, printCounts, settleAndCheck, skipWithoutNats, startBurstScenario, streamLeader } from '../support/stack.ts';

test(
  'when the NATS node that leads the orders stream is killed -9 in the middle of a burst on a three-node cluster, and comes back, then no order is lost or charged twice, money is conserved and each order has one letter',
  { skip: skipWithoutNats(), timeout: 240_000 },
  async (t) => {
    const { system, stack, users, orders } = await startBurstScenario(t, { natsCluster: 3 });
    const nats = stack.nats;
    assert.ok(nats && nats.nodes.length === 3, 'the stack runs a three-node cluster');
    for (const stream of ['USERS', 'BILLING', 'ORDERS', 'NOTIFICATIONS']) {
      assert.equal((await streamLeader(stack.natsUrl, stream)).replicas, 3, `${stream} is replicated three times`);
    }

    const split = Math.floor(orders.length * 0.4);
    const started = Date.now();
    const before = await placeOrders(orders.slice(0, split));
    const { leader } = await streamLeader(stack.natsUrl, 'ORDERS');
    const node = nats.nodes.find((n) => n.name === leader);
    assert.ok(node, `the leader ${leader} is one of the stack's nodes`);
    await node.stop('SIGKILL');
    const killedAt = Date.now();

    // The rest of the burst arrives while the cluster elects a new leader.
    const during = await placeOrders(orders.slice(split), { deadlineMs: 90_000 });
    const newLeader = await eventually(
      async () => {
        const now = (await streamLeader(nats.nodes.filter((n) => n !== node).map((n) => n.url).join(','), 'ORDERS')).leader;
        assert.ok(now && now !== leader, `ORDERS still led by ${now || 'nobody'}`);
        return now;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    await node.start();
    const restartedAfterMs = Date.now() - killedAt;

    const outcome = await settleAndCheck(system, users, orders.length, 120_000);
    assert.equal(outcome.paid, burst.paid);
    assert.equal(outcome.rejected, burst.rejected);
    assert.equal(outcome.charges, outcome.paid, 'no order charged twice');
    assert.equal(outcome.letters, orders.length, 'one letter per order');
    assert.deepEqual(stack.unexpectedExits(), [], 'no service process crashed');
    printCounts('stack: NATS stream leader killed', {
      killed: leader,
      newLeader,
      placedBeforeKill: before.placed.length,
      placedDuringElection: during.placed.length,
      retriedAnswers: during.failures,
      restartedAfterMs,
      ...outcome,
      settledMs: Date.now() - started,
    });
  },
);
