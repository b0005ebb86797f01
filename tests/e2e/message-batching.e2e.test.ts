/**
 * MESSAGE_BATCHING switches the speed layer (src/platform/batching/) on and off. Off, every delivery takes the plain
 * path — one event, one transaction — and the batch-size metrics prove it; readiness and the metrics say which mode runs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OrderCreatedV1 } from '../../src/contracts/events.ts';
import { eventually, handledCount, metricSum } from '../support/api.ts';
import type { TestSystem } from '../support/system.ts';
import { useSystem } from '../support/topology.ts';

/** Observations of a histogram in all, and those of at most one item, for one service. */
async function histogram(system: TestSystem, service: 'billing' | 'orders', name: string) {
  const all = await metricSum(system, service, new RegExp(`^${name}_count\\{[^}]*\\} (\\d+)`));
  const ofOne = await metricSum(system, service, new RegExp(`^${name}_bucket\\{[^}]*le="1"[^}]*\\} (\\d+)`));
  return { all, ofOne };
}

for (const mode of ['off', 'on'] as const) {
  describe(`MESSAGE_BATCHING=${mode}`, () => {
    const t = useSystem('embedded', { env: { MESSAGE_BATCHING: mode } });

    test(`when a burst of orders is placed, then every order is settled and ${mode === 'off' ? 'every transaction held one event or one order' : 'some transactions held several'}`, async () => {
      const users = await Promise.all([1, 2, 3].map(() => t.api.userWithAccount(10_000)));
      const before = await handledCount(t.system, 'billing', OrderCreatedV1.type, 'handled');
      await Promise.all(users.flatMap((user) => Array.from({ length: 10 }, () => user.post('/orders', { userId: user.id, price: 100 }))));
      await eventually(async () => assert.equal(await handledCount(t.system, 'billing', OrderCreatedV1.type, 'handled'), before + 30));
      for (const user of users) await eventually(async () => assert.equal(await user.balance(), 9_000));

      const events = await histogram(t.system, 'billing', 'event_batch_size');
      const writes = await histogram(t.system, 'orders', 'write_group_size');
      assert.ok(events.all > 0 && writes.all > 0, 'the metrics were observed');
      if (mode === 'off') {
        assert.equal(events.ofOne, events.all, 'every consumer transaction handled one delivery');
        assert.equal(writes.ofOne, writes.all, 'every order was written in a transaction of its own');
      } else {
        assert.ok(events.ofOne < events.all || writes.ofOne < writes.all, 'some transactions were shared');
      }
    });

    test('readiness says which mode runs', async () => {
      const ready = await t.api.get('/orders/health/ready');
      assert.equal(ready.status, 200);
      assert.equal(ready.body.settings.MESSAGE_BATCHING, mode);
    });
  });
}
