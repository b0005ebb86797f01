import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { redelivery } from './bus.ts';
import Type from 'typebox';
import { defineEvent, newEvent } from './events.ts';
import { createMemoryBus } from './memory-bus.ts';

const Pinged = defineEvent({ type: 'test.pinged.v1', description: 'A test event', subject: 'n', data: Type.Object({ n: Type.Integer() }) });
const event = (n: number) => newEvent('test', Pinged, { n }, { correlationId: `c-${n}` });

describe('the in-process bus', () => {
  test('given two subscribers, when an event is published, then publish resolves only after both handled their own copy', async () => {
    const bus = createMemoryBus();
    const seen: string[] = [];
    for (const consumer of ['billing', 'notifications']) {
      await bus.subscribe({
        consumer,
        eventTypes: [Pinged.type],
        async handle({ event: received }) {
          (received.data as { n: number }).n += 1; // a copy: the other subscriber must not see this
          seen.push(`${consumer} ${JSON.stringify(received.data)}`);
        },
      });
    }
    await bus.publish(event(1));
    assert.deepEqual(seen.sort(), ['billing {"n":2}', 'notifications {"n":2}']);
    await bus.close();
  });

  test('given a handler that fails twice, when the event is published, then it is redelivered with growing attempts until handled', async () => {
    const bus = createMemoryBus();
    const attempts: number[] = [];
    await bus.subscribe({
      consumer: 'billing',
      eventTypes: [Pinged.type],
      async handle({ attempt }) {
        attempts.push(attempt);
        if (attempt < 3) throw new Error('not yet');
      },
    });
    const started = performance.now();
    await bus.publish(event(2));
    assert.deepEqual(attempts, [1, 2, 3]);
    const waited = performance.now() - started;
    const backoff = redelivery.delayBefore(2) + redelivery.delayBefore(3);
    assert.ok(waited >= backoff - 5, `waited ${waited.toFixed(0)} ms; the backoff is ${backoff} ms`);
    await bus.close();
  });

  test('given a handler that keeps failing, when the bus closes, then the retries end and publish rejects', async () => {
    const bus = createMemoryBus();
    await bus.subscribe({ consumer: 'billing', eventTypes: [Pinged.type], handle: async () => Promise.reject(new Error('never')) });
    const publishing = bus.publish(event(3));
    await new Promise((tick) => setTimeout(tick, 20));
    await bus.close();
    await assert.rejects(publishing, /closed/);
  });
});

describe('redelivery', () => {
  test('given the redelivery policy, when an event keeps failing, then it waits 100 ms, 0.5 s, 2.5 s, then 5 s before each further attempt', () => {
    assert.deepEqual([2, 3, 4, 5, 6].map((attempt) => redelivery.delayBefore(attempt)), [100, 500, 2_500, 5_000, 5_000]);
  });
});
