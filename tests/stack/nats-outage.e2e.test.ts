import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  burst,
  placeOrders,
  printCounts,
  settleAndCheck,
  skipWithoutNats,
  startBurstScenario,
  untilEveryReplicaReady,
} from '../support/stack.ts';

/** How long the broker stays away: the fault itself, not a wait for something. */
const OUTAGE_MS = 4_000;

test(
  'when NATS stops for a few seconds during a burst of orders and comes back, then nothing is lost and nothing is doubled',
  { skip: skipWithoutNats(), timeout: 150_000 },
  async (t) => {
    const { system, stack, api, users, orders } = await startBurstScenario(t);

    const split = Math.floor(orders.length * 0.4);
    const started = Date.now();

    // The first part of the burst, then the broker goes away while its events are still on their way.
    const before = await placeOrders(orders.slice(0, split));
    await stack.stopNats();
    const stoppedAt = Date.now();

    // Orders are still taken (the outbox keeps their events); no replica says it is ready.
    const during = await placeOrders(orders.slice(split));
    await untilEveryReplicaReady(stack, false, 15_000);
    const gatewayReady = await api.get('/orders/health/ready');
    assert.equal(gatewayReady.status, 503);
    assert.equal(gatewayReady.headers.get('content-type')?.split(';')[0], 'application/problem+json');
    const [unpublished] = await system.database('orders')<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`;

    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
    await stack.startNats();
    const outageMs = Date.now() - stoppedAt;
    await untilEveryReplicaReady(stack, true, 30_000);
    const recoveredMs = Date.now() - stoppedAt;

    const outcome = await settleAndCheck(system, users, orders.length, 90_000);
    assert.equal(outcome.paid, burst.paid);
    assert.equal(outcome.rejected, burst.rejected);
    assert.equal(outcome.charges, outcome.paid);
    assert.equal(outcome.letters, orders.length);
    assert.deepEqual(system.stack.unexpectedExits(), []);
    printCounts('stack: NATS down', {
      placedBeforeOutage: before.placed.length,
      placedDuringOutage: during.placed.length,
      ordersOutboxUnpublishedDuringOutage: unpublished?.n,
      outageMs,
      allReadyAgainAfterMs: recoveredMs,
      ...outcome,
      settledMs: Date.now() - started,
    });
  },
);
