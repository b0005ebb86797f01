import assert from 'node:assert/strict';
import { test } from 'node:test';
import { client } from '../support/api.ts';
import { placeOrders, printCounts, removeStackData, settleAndCheck, skipWithoutNats, startStackSystem, usersWithMoney } from '../support/stack.ts';

const USERS = 20;
const ORDERS_PER_USER = 5;
const DEPOSIT = 10_000;
/** Three of five fit in the deposit: each user has 3 paid and 2 rejected orders, whatever the order of events. */
const PRICE = 3_000;

test(
  'when a billing replica is killed -9 in the middle of a burst of orders and restarted, then every order ends final, is charged at most once, money is conserved and each order has one letter',
  { skip: skipWithoutNats(), timeout: 150_000 },
  async (t) => {
    const system = await startStackSystem();
    t.after(async () => {
      await system.stop();
      await removeStackData(system);
    });
    const api = client(system.url);
    const billingInbox = async () => {
      const [row] = await system.database('billing')<{ n: number }[]>`
        SELECT count(*)::int AS n FROM inbox WHERE event_type = 'orders.order.created.v1'`;
      return row?.n ?? 0;
    };

    const users = await usersWithMoney(api, USERS, DEPOSIT);
    const orders = users.flatMap((user) => Array.from({ length: ORDERS_PER_USER }, () => ({ userId: user.id, price: PRICE })));
    let killed: Promise<{ placed: number; handled: number }> | undefined;
    const started = Date.now();
    const burst = await placeOrders(api, orders, {
      onPlaced(placed) {
        if (placed !== Math.floor(orders.length * 0.4)) return;
        killed = (async () => {
          const handled = await billingInbox();
          await system.stack.kill('billing', 0, 'SIGKILL');
          return { placed, handled };
        })();
      },
    });
    const kill = await killed;
    assert.ok(kill, 'billing-1 was killed during the burst');
    assert.equal(system.stack.isRunning('billing', 0), false);
    await system.stack.restart('billing', 0);

    const outcome = await settleAndCheck(api, system, users, orders.length, 90_000);
    const settledMs = Date.now() - started;
    assert.equal(outcome.paid, USERS * 3);
    assert.equal(outcome.rejected, USERS * 2);
    assert.equal(outcome.charges, outcome.paid);
    assert.equal(outcome.letters, orders.length);
    assert.deepEqual(system.stack.unexpectedExits(), []);
    printCounts('stack: billing replica killed -9', {
      killedAfterPlaced: kill.placed,
      billingHandledBeforeKill: kill.handled,
      ...outcome,
      retriedAnswers: burst.failures,
      settledMs,
    });
  },
);
