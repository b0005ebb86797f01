import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OrderCreatedV1 } from '../../src/contracts/events.ts';
import { redelivery, replayDeadLetters } from '../../src/platform/messaging/index.ts';
import { createLogger } from '../../src/platform/observability/index.ts';
import { services } from '../../src/services/index.ts';
import { client, eventually, handledCount } from '../support/api.ts';
import { failInserts } from '../support/faults.ts';
import { startTestSystem } from '../support/system.ts';
import { topologies, useSystem } from '../support/topology.ts';

for (const topology of topologies) {
  describe(`handler faults (${topology})`, () => {
    const t = useSystem(topology);

    test('when billing fails half-way through a payment, then the event is redelivered and the order is paid once', async () => {
      const user = await t.api.userWithAccount(1_000);
      // A real failure inside billing's transaction, after the balance was already updated:
      // the first ledger insert for this user raises. A sequence is not rolled back, so it fails only once.
      const billing = t.system.database('billing');
      await billing.unsafe(`
        CREATE SEQUENCE fault_once;
        CREATE FUNCTION fail_first_payment() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.type = 'payment' AND NEW.user_id = '${user.id}' AND nextval('fault_once') = 1 THEN
            RAISE EXCEPTION 'injected fault: crash after the balance update';
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER fault_injection BEFORE INSERT ON ledger FOR EACH ROW EXECUTE FUNCTION fail_first_payment();`);
      try {
        const failedBefore = await handledCount(t.system, 'billing', OrderCreatedV1.type, 'failed');
        const order = await user.post('/orders', { userId: user.id, price: 300 }, { prefer: 'wait=15' });
        assert.equal(order.body.status, 'paid');
        assert.equal(await handledCount(t.system, 'billing', OrderCreatedV1.type, 'failed'), failedBefore + 1, 'the fault did fire');
        assert.equal(await user.balance(), 700);
        assert.equal((await user.transactions()).filter((l) => l.type === 'payment').length, 1);
        await eventually(async () => assert.equal((await user.letters()).length, 1));
      } finally {
        await billing.unsafe('DROP TRIGGER fault_injection ON ledger; DROP FUNCTION fail_first_payment(); DROP SEQUENCE fault_once;');
      }
    });

    test('when an event fails every attempt, then it is dead-lettered, the events behind it still flow, and a replay completes it', async () => {
      const poisoned = await t.api.userWithAccount(1_000);
      const healthy = await t.api.userWithAccount(1_000);
      const billing = t.system.database('billing');
      const poisonFault = await failInserts(billing, 'ledger', poisoned.id, 'injected poison');
      try {
        const poison = await poisoned.post('/orders', { userId: poisoned.id, price: 100 });
        const behind = await healthy.post('/orders', { userId: healthy.id, price: 100 }, { prefer: 'wait=15' });
        assert.equal(behind.body.status, 'paid', 'the order behind the poison is not blocked');

        const [letter] = await eventually(
          async () => {
            const rows = await billing<{ attempts: number; error: string }[]>`
              SELECT d.attempts, d.error FROM dead_letters d WHERE d.envelope->>'subject' = ${poison.body.id}`;
            assert.equal(rows.length, 1);
            return rows;
          },
          { timeoutMs: 20_000 },
        );
        assert.equal(letter?.attempts, redelivery.maxAttempts);
        assert.match(letter?.error ?? '', /injected poison/);
        assert.equal((await poisoned.get(`/orders/${poison.body.id}`)).body.status, 'pending', 'a dead letter waits for a replay');
        assert.equal(await poisoned.balance(), 1_000, 'the failed attempts left no trace');
        const metrics = await t.api.get('/billing/metrics');
        assert.match(metrics.body, /dead_letters_waiting\{service="billing"\} [1-9]/);

        // Once the cause is fixed, a replay completes the flow.
        await poisonFault.lift();
        const replay = await replayDeadLetters({ name: 'billing', handlers: services.billing.handlers('events') }, billing, createLogger('silent', 'test'));
        assert.deepEqual(replay, { replayed: 1, failedAgain: 0 });
        const settled = await poisoned.get(`/orders/${poison.body.id}`, { prefer: 'wait=15' });
        assert.equal(settled.body.status, 'paid');
        assert.equal(await poisoned.balance(), 900);
      } finally {
        await poisonFault.lift();
      }
    });
  });
}

describe('stopping between commit and publish (embedded)', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'streamshop-restart-'));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  test('when the system stops with events still in the outbox, then after a restart the order is paid and the letter stored', async () => {
    let system = await startTestSystem({ dataDir });
    let user = await client(system.url).userWithAccount(1_000);
    await system.stop();

    // The relays are paused: the order commits with its event, which nobody publishes before the stop.
    system = await startTestSystem({ dataDir, relay: 'paused' });
    user = await client(system.url).signIn(user);
    const order = await user.post('/orders', { userId: user.id, price: 250 }, { prefer: 'wait=1' });
    assert.equal(order.body.status, 'pending');
    const [waiting] = await system.database('orders')`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`;
    assert.equal(waiting?.n, 1);
    await system.stop();

    system = await startTestSystem({ dataDir });
    try {
      user = await client(system.url).signIn(user);
      const final = await user.get(`/orders/${order.body.id}`, { prefer: 'wait=15' });
      assert.equal(final.body.status, 'paid');
      assert.equal(await user.balance(), 750);
      await eventually(async () => assert.equal((await user.letters()).length, 1));
    } finally {
      await system.stop();
    }
  });
});
