import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { perKeyQueue } from './per-key.ts';

/** A task that finishes when told to, recording when it starts and ends. */
function gate(log: string[], name: string, fail = false) {
  const { promise, resolve } = Promise.withResolvers<void>();
  const task = async () => {
    log.push(`start ${name}`);
    await promise;
    log.push(`end ${name}`);
    if (fail) throw new Error(`${name} failed`);
    return name;
  };
  return { task, open: resolve };
}

describe('perKeyQueue', () => {
  test('given tasks of one key, when they are queued, then each starts only after the one before it ended', async () => {
    const log: string[] = [];
    const queue = perKeyQueue();
    const [a1, a2] = [gate(log, 'a1'), gate(log, 'a2')];
    const results = [queue.run('a', a1.task), queue.run('a', a2.task)];
    await Promise.resolve();
    assert.deepEqual(log, ['start a1']);
    a1.open();
    a2.open();
    assert.deepEqual(await Promise.all(results), ['a1', 'a2']);
    assert.deepEqual(log, ['start a1', 'end a1', 'start a2', 'end a2']);
  });

  test('given tasks of two keys, when they are queued, then both start at once', async () => {
    const log: string[] = [];
    const queue = perKeyQueue();
    const [a, b] = [gate(log, 'a'), gate(log, 'b')];
    queue.run('a', a.task);
    queue.run('b', b.task);
    assert.deepEqual(log, ['start a', 'start b']);
    a.open();
    b.open();
    await queue.settled();
  });

  test('given a task that fails, when more of its key are queued behind it, then they do not run and fail with its error', async () => {
    const log: string[] = [];
    const queue = perKeyQueue();
    const [failing, behind, other] = [gate(log, 'a1', true), gate(log, 'a2'), gate(log, 'b1')];
    const results = [queue.run('a', failing.task), queue.run('a', behind.task), queue.run('b', other.task)];
    failing.open();
    behind.open();
    other.open();
    const settled = await Promise.allSettled(results);
    assert.deepEqual(settled.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : r.value)), ['a1 failed', 'a1 failed', 'b1']);
    assert.ok(!log.includes('start a2'), 'the task behind the failure never ran');
  });

  test('given a key whose tasks failed, when it has settled and a task is queued again, then that task runs', async () => {
    const queue = perKeyQueue();
    await queue.run('a', async () => Promise.reject(new Error('first'))).catch(() => {});
    await queue.settled();
    assert.equal(await queue.run('a', async () => 'again'), 'again');
  });
});
