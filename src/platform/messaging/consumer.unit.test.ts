import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import Type from 'typebox';
import { createMetrics, untraced } from '../observability/index.ts';
import { createConsumer } from './consumer.ts';
import { defineEvent, newEvent } from './events.ts';
import { fakeDatabase } from './fake-database.test-support.ts';
import { on } from './handlers.ts';

const Deposited = defineEvent({
  type: 'test.money.deposited.v1',
  description: 'A test event',
  subject: 'account',
  data: Type.Object({ account: Type.String(), amount: Type.Integer({ minimum: 1 }) }),
});
const deposited = (account: string, amount: number) => newEvent('test', Deposited, { account, amount }, { correlationId: 'c' });

/** A consumer on the plain path whose handler records what it applied, and fails while `failing` says so. */
function depositsConsumer(options: { failing?: () => boolean } = {}) {
  const db = fakeDatabase();
  const applied: string[] = [];
  const handler = on(
    Deposited,
    async (data, { correlation }) => {
      if (options.failing?.()) throw new Error('the account row is locked');
      applied.push(`${data.account}+${data.amount} (${correlation.correlationId})`);
    },
    { key: (data) => data.account },
  );
  const consumer = createConsumer({ service: 'test', db, handlers: [handler], log: pino({ level: 'silent' }), metrics: createMetrics('test'), tracing: untraced });
  return { db, applied, consumer };
}

describe('the consumer, plain path', () => {
  test('given a new event, when it is delivered, then its handler runs in one transaction that also marks it in the inbox', async () => {
    const { db, applied, consumer } = depositsConsumer();
    const event = deposited('a', 10);
    assert.equal(await consumer.handle({ event, attempt: 1 }), 'handled');
    assert.deepEqual(applied, ['a+10 (c)']);
    assert.ok(db.inbox.has(event.id));
    assert.equal(db.transactions.committed, 1);
  });

  test('given an event already handled, when it is delivered again, then the handler does not run and the delivery is acknowledged as a duplicate', async () => {
    const { applied, consumer } = depositsConsumer();
    const event = deposited('a', 10);
    await consumer.handle({ event, attempt: 1 });
    assert.equal(await consumer.handle({ event: structuredClone(event), attempt: 2 }), 'duplicate');
    assert.deepEqual(applied, ['a+10 (c)']);
  });

  test('given a handler that fails, when the event is delivered, then the inbox mark is rolled back with it and a redelivery applies it once', async () => {
    let locked = true;
    const { db, applied, consumer } = depositsConsumer({ failing: () => locked });
    const event = deposited('a', 10);
    await assert.rejects(consumer.handle({ event, attempt: 1 }), /locked/);
    assert.equal(db.inbox.has(event.id), false, 'not marked: the redelivery must run it');
    locked = false;
    assert.equal(await consumer.handle({ event, attempt: 2 }), 'handled');
    assert.deepEqual(applied, ['a+10 (c)']);
  });

  test('given an event of a type nobody handles, or with data its schema refuses, when it is delivered, then it is dead-lettered at once, unapplied', async () => {
    const { db, applied, consumer } = depositsConsumer();
    const unknown = { ...deposited('a', 1), type: 'test.money.stolen.v1' };
    const invalid = { ...deposited('a', 1), data: { account: 'a', amount: -5 } };
    assert.equal(await consumer.handle({ event: unknown, attempt: 1 }), 'dead_lettered');
    assert.equal(await consumer.handle({ event: invalid, attempt: 1 }), 'dead_lettered');
    assert.deepEqual(applied, []);
    const reasons = db.statements.filter((s) => s.text.startsWith('INSERT INTO dead_letters')).map((s) => s.values.find((v) => typeof v === 'string' && v.includes(' ')));
    assert.match(String(reasons[0]), /no handler for test.money.stolen.v1/);
    assert.match(String(reasons[1]), /invalid data: \/amount/);
  });
});
