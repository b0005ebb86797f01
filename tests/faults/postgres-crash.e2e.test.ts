import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serviceNames } from '../../src/platform/runtime/index.ts';
import { client, eventually } from '../support/api.ts';
import { postmasterPid } from '../support/main-process.ts';
import { placeOrders, printCounts, settleAndCheck, usersWithMoney } from '../support/stack.ts';
import { startTestSystem } from '../support/system.ts';

/** No service may say it is ready this long after the kill: the supervisor knows at once, and a probe already waiting on the database gives up after 1.5 s. */
const NOT_READY_BOUND_MS = 3_000;
/** How soon after a kill -9 the embedded PostgreSQL must serve again (the first restart waits 0.5 s, then crash recovery). */
const RECOVERY_BOUND_MS = 15_000;
/** 3 of a user's 5 orders fit in the deposit: 90 paid and 60 rejected, whatever the order of events. */
const burst = { users: 30, ordersPerUser: 5, deposit: 10_000, price: 3_000, killAfter: 40 };

test(
  'when the embedded PostgreSQL is killed -9 during a burst of orders, then no service is ready at once, it is restarted and ready again within 15 s, and every order ends final, charged once, with one letter',
  { timeout: 240_000 },
  async (t) => {
    const system = await startTestSystem();
    t.after(() => system.stop());
    const api = client(system.url);
    const users = await usersWithMoney(api, burst.users, burst.deposit);
    const orders = users.flatMap((user) => Array.from({ length: burst.ordersPerUser }, () => ({ user, price: burst.price })));
    // As a probe asks: an answer that does not come within 2 s counts as not ready.
    const readiness = () =>
      Promise.all(
        serviceNames.map(async (service) => {
          const response = await fetch(`${system.url}/${service}/health/ready`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
          return response?.status ?? 0;
        }),
      );

    const postmaster = await postmasterPid(system.dataDir);
    let killedAt = 0;
    const placing = placeOrders(orders, {
      concurrency: 16,
      deadlineMs: 90_000,
      onPlaced: (placed) => {
        if (placed !== burst.killAfter) return;
        process.kill(postmaster, 'SIGKILL'); // as the out-of-memory killer does
        killedAt = Date.now();
      },
    });
    await eventually(async () => assert.ok(killedAt > 0, 'the burst reached the kill'), { timeoutMs: 60_000 });

    await eventually(async () => assert.deepEqual(await readiness(), [503, 503, 503, 503]), { timeoutMs: NOT_READY_BOUND_MS, intervalMs: 5 });
    const notReadyAfterMs = Date.now() - killedAt;
    await eventually(async () => assert.deepEqual(await readiness(), [200, 200, 200, 200]), { timeoutMs: RECOVERY_BOUND_MS, intervalMs: 20 });
    const readyAgainAfterMs = Date.now() - killedAt;
    assert.notEqual(await postmasterPid(system.dataDir), postmaster, 'a new postmaster serves the same data folder');

    const placed = await placing;
    const statuses = Object.keys(placed.failures).map((kind) => kind.split(' ')[0]);
    assert.ok((placed.failures['503 application/problem+json'] ?? 0) > 0, `the burst met no 503 problem document: ${JSON.stringify(placed.failures)}`);
    assert.ok(!statuses.includes('500'), `500s during the outage: ${JSON.stringify(placed.failures)}`);

    // After the recovery, new orders are paid, and Prefer: wait answers as soon as they are: its LISTEN is back.
    const late = await api.userWithAccount(10_000);
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const order = await late.post('/orders', { userId: late.id, price: 1_000 }, { prefer: 'wait=20' });
      waits.push(Date.now() - started);
      assert.equal(order.status, 201, JSON.stringify(order.body));
      assert.equal(order.body.status, 'paid');
    }
    assert.ok(Math.max(...waits) < 5_000, `Prefer: wait answered after ${waits.join(', ')} ms: the announcement of finality was missed`);

    const everyone = [...users, { ...late, deposit: 10_000 }];
    const outcome = await settleAndCheck(system, everyone, orders.length + 3, 90_000);
    assert.equal(outcome.paid, burst.users * 3 + 3);
    assert.equal(outcome.rejected, burst.users * 2);
    assert.equal(outcome.charges, outcome.paid);
    assert.equal(outcome.letters, orders.length + 3);
    printCounts('embedded: PostgreSQL killed -9', {
      placedBeforeKill: burst.killAfter,
      acknowledged: placed.placed.length,
      burstRetriedAnswers: placed.failures,
      notReadyAfterMs,
      readyAgainAfterMs,
      waitsAfterRecoveryMs: waits,
      ...outcome,
    });
  },
);
