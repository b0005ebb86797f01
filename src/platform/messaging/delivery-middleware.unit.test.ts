import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import Type from 'typebox';
import { createMetrics } from '../observability/index.ts';
import type { Delivery } from './bus.ts';
import { countOutcomes, deadLetterWhenExhausted, type DeliveryHandler, MalformedEvent } from './delivery-middleware.ts';
import { defineEvent, newEvent } from './events.ts';
import { fakeDatabase } from './fake-database.test-support.ts';

const Pinged = defineEvent({ type: 'test.pinged.v1', description: 'A test event', subject: 'id', data: Type.Object({ id: Type.String() }) });
const delivery = (attempt: number): Delivery => ({ event: newEvent('test', Pinged, { id: 'p-1' }, { correlationId: 'c' }), attempt });
const log = pino({ level: 'silent' });
const failing = (error: unknown): DeliveryHandler => async () => Promise.reject(error);
const unreachable = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

describe('dead letters after the last attempt', () => {
  test('given a handler that fails, when attempts before the last fail, then each asks for a redelivery and nothing is dead-lettered', async () => {
    const db = fakeDatabase();
    const handle = deadLetterWhenExhausted({ db, log, maxAttempts: 5 })(failing(new Error('boom')));
    for (const attempt of [1, 2, 3, 4]) await assert.rejects(handle(delivery(attempt)), /boom/);
    assert.equal(db.statements.length, 0);
  });

  test('given a handler that fails, when the last attempt fails too, then the event becomes a dead letter with the error and the delivery is acknowledged', async () => {
    const db = fakeDatabase();
    const handle = deadLetterWhenExhausted({ db, log, maxAttempts: 5 })(failing(new Error('boom')));
    const last = delivery(5);
    assert.equal(await handle(last), 'dead_lettered');
    const [insert] = db.statements;
    assert.match(insert?.text ?? '', /^INSERT INTO dead_letters/);
    assert.deepEqual(insert?.values.slice(0, 2), [last.event.id, last.event.type]);
    assert.ok(insert?.values.includes('boom'));
    assert.ok(insert?.values.includes(5), 'with the number of attempts');
  });

  test('given a malformed event, when its first attempt fails, then it is dead-lettered at once', async () => {
    const db = fakeDatabase();
    const handle = deadLetterWhenExhausted({ db, log, maxAttempts: 5 })(failing(new MalformedEvent('invalid data')));
    assert.equal(await handle(delivery(1)), 'dead_lettered');
  });

  test('given an unreachable database, when even the last attempt meets it, then the event is not dead-lettered but waits for the database', async () => {
    const db = fakeDatabase();
    const handle = deadLetterWhenExhausted({ db, log, maxAttempts: 5 })(failing(unreachable));
    await assert.rejects(handle(delivery(9)), /ECONNREFUSED/);
    assert.equal(db.statements.length, 0);
  });
});

describe('outcomes counted', () => {
  test('given deliveries handled, repeated and failed, when they pass, then events_handled_total counts each outcome of each type', async () => {
    const metrics = createMetrics('test');
    const outcomes: DeliveryHandler[] = [async () => 'handled', async () => 'duplicate', failing(new Error('x'))];
    for (const outcome of outcomes) await countOutcomes(metrics)(outcome)(delivery(1)).catch(() => {});
    const text = await metrics.registry.getSingleMetricAsString('events_handled_total');
    for (const outcome of ['handled', 'duplicate', 'failed']) assert.match(text, new RegExp(`type="test.pinged.v1",outcome="${outcome}"[^\\n]* 1$`, 'm'));
  });
});
