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

/** How long PostgreSQL stays away: the fault itself, not a wait for something. */
const OUTAGE_MS = 4_000;

test(
  'when the databases stop for a few seconds during a burst of orders, then requests get 503 problem documents meanwhile, no replica is ready, and everything completes once they are back',
  { skip: skipWithoutNats(), timeout: 150_000 },
  async (t) => {
    const { system, stack, users, orders } = await startBurstScenario(t);

    const someone = users[0]!;
    const split = Math.floor(orders.length * 0.4);
    const started = Date.now();

    // The first part of the burst; the databases go away while its events are still being handled.
    const before = await placeOrders(orders.slice(0, split));
    await stack.stopDatabase();
    const stoppedAt = Date.now();

    // The rest of the burst keeps trying (same Idempotency-Key) through the outage.
    const rest = placeOrders(orders.slice(split), { deadlineMs: 60_000 });

    // Every service answers with a 503 problem document, and no replica says it is ready.
    const answers: Record<string, number> = {};
    for (const [method, path, body] of [
      ['GET', `/users/${someone.id}`],
      ['POST', '/users', { email: `late-${crypto.randomUUID()}@example.com`, name: 'Late', password: 'late-password' }],
      ['GET', `/billing/accounts/${someone.id}`],
      ['POST', `/billing/accounts/${someone.id}/deposits`, { amount: 100 }],
      ['GET', `/orders?userId=${someone.id}`],
      ['GET', `/notifications?userId=${someone.id}`],
    ] as const) {
      const response = await someone.call(method, path, body);
      const kind = `${response.status} ${response.headers.get('content-type')?.split(';')[0]}`;
      answers[`${method} ${path.split('/')[1]?.split('?')[0]}`] = response.status;
      assert.equal(kind, '503 application/problem+json', `${method} ${path}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.status, 503);
    }
    await untilEveryReplicaReady(stack, false, 15_000);

    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
    await stack.startDatabase();
    const outageMs = Date.now() - stoppedAt;
    await untilEveryReplicaReady(stack, true, 30_000);
    const recoveredMs = Date.now() - stoppedAt;
    const after = await rest;
    const statuses = Object.keys(after.failures).map((kind) => kind.split(' ')[0]);
    assert.ok((after.failures['503 application/problem+json'] ?? 0) > 0, `the burst met no 503 problem document: ${JSON.stringify(after.failures)}`);
    assert.ok(!statuses.includes('500'), `500s during the outage: ${JSON.stringify(after.failures)}`);

    const outcome = await settleAndCheck(system, users, orders.length, 90_000);
    assert.equal(outcome.paid, burst.paid);
    assert.equal(outcome.rejected, burst.rejected);
    assert.equal(outcome.charges, outcome.paid);
    assert.equal(outcome.letters, orders.length);
    assert.deepEqual(stack.unexpectedExits(), [], 'no service process crashed');
    printCounts('stack: PostgreSQL down', {
      placedBeforeOutage: before.placed.length,
      placedAcrossOutage: after.placed.length,
      burstRetriedAnswers: after.failures,
      answersDuringOutage: answers,
      outageMs,
      allReadyAgainAfterMs: recoveredMs,
      ...outcome,
      settledMs: Date.now() - started,
    });
  },
);
