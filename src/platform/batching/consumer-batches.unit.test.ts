import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import Type from 'typebox';
import { fakeDatabase } from '../messaging/fake-database.test-support.ts';
import { createConsumer, defineEvent, newEvent, on } from '../messaging/index.ts';
import { createMetrics, untraced } from '../observability/index.ts';
import { batchDeliveries } from './consumer-batches.ts';

const Deposited = defineEvent({
  type: 'test.money.deposited.v1',
  description: 'A test event',
  subject: 'account',
  data: Type.Object({ account: Type.String(), amount: Type.Integer({ minimum: 1 }) }),
});
const deposited = (account: string, amount: number) => newEvent('test', Deposited, { account, amount }, { correlationId: 'c' });

/** A batching consumer whose handler records the order it ran in, and fails for the amounts in `poisoned`. */
function batchingConsumer(poisoned: Set<number> = new Set()) {
  const db = fakeDatabase();
  const log: string[] = [];
  const handler = on(
    Deposited,
    async (data) => {
      log.push(`start ${data.account}+${data.amount}`);
      await new Promise((resolve) => setImmediate(resolve));
      if (poisoned.has(data.amount)) throw new Error(`cannot apply ${data.amount}`);
      log.push(`end ${data.account}+${data.amount}`);
    },
    { key: (data) => data.account },
  );
  const consumer = createConsumer({
    service: 'test',
    db,
    handlers: [handler],
    log: pino({ level: 'silent' }),
    metrics: createMetrics('test'),
    tracing: untraced,
    batching: batchDeliveries,
  });
  const deliver = (events: ReturnType<typeof deposited>[]) => Promise.allSettled(events.map((event) => consumer.handle({ event, attempt: 1 })));
  return { db, log, deliver };
}

describe('batches of deliveries', () => {
  test('given deliveries that arrive together, when they are handled, then they share one transaction and every one is acknowledged', async () => {
    const { db, deliver } = batchingConsumer();
    const results = await deliver([deposited('a', 1), deposited('b', 2), deposited('c', 3)]);
    assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason)), ['handled', 'handled', 'handled']);
    assert.equal(db.transactions.committed, 1);
  });

  test("given events of one key and of another, when they share a transaction, then one key's run in order and different keys side by side", async () => {
    const { log, deliver } = batchingConsumer();
    await deliver([deposited('a', 1), deposited('a', 2), deposited('b', 3)]);
    assert.ok(log.indexOf('end a+1') < log.indexOf('start a+2'), `a's events one after another: ${log.join(', ')}`);
    assert.ok(log.indexOf('start b+3') < log.indexOf('end a+1'), `b did not wait for a: ${log.join(', ')}`);
  });

  test('given one event that fails, when its batch fails, then the others are handled alone and only it asks for a redelivery', async () => {
    const { db, log, deliver } = batchingConsumer(new Set([2]));
    const results = await deliver([deposited('a', 1), deposited('b', 2), deposited('c', 3)]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.equal(db.transactions.rolledBack, 2, 'the batch, then the bad event alone');
    assert.equal(log.filter((line) => line === 'end a+1').length, 2, 'applied in the rolled-back batch, then for good alone');
    assert.equal(db.inbox.size, 2);
  });

  test('given a malformed event among good ones, when they arrive together, then it is dead-lettered alone and the others share a transaction', async () => {
    const { db, deliver } = batchingConsumer();
    const malformed = { ...deposited('a', 1), data: { account: 'a', amount: 0 } };
    const results = await deliver([malformed, deposited('b', 2), deposited('c', 3)]);
    assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected')), ['dead_lettered', 'handled', 'handled']);
    assert.equal(db.transactions.committed, 1);
  });

  test('given an unreachable database, when a batch meets it, then every delivery of it waits for a redelivery, none is tried alone', async () => {
    const { db, deliver } = batchingConsumer();
    db.failWith = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const results = await deliver([deposited('a', 1), deposited('b', 2)]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal(db.statements.length, 1, 'one inbox insert tried, no retry alone');
  });
});
