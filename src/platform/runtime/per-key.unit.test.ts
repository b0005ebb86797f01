import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { orderedPerKey } from './per-key.ts';

/** A task that finishes when told to, recording when it starts and ends. */
function gate(log: string[], name: string, fail = false) {
  const { promise, resolve } = Promise.withResolvers<void>();
  const task = async () => {
    log.push(`start ${name}`);
    await promise;
    log.push(`end ${name}`);
    if (fail) throw new Error(`${name} failed`);
  };
  return { task, open: resolve };
}

describe('orderedPerKey', () => {
  test('given tasks of one key, when they are added, then each starts only after the one before it ended', async () => {
    const log: string[] = [];
    const queue = orderedPerKey();
    const [a, b] = [gate(log, 'a1'), gate(log, 'a2')];
    queue.add('a', a.task, () => {});
    queue.add('a', b.task, () => {});
    await Promise.resolve();
    assert.deepEqual(log, ['start a1']);
    a.open();
    b.open();
    await queue.settle();
    assert.deepEqual(log, ['start a1', 'end a1', 'start a2', 'end a2']);
  });

  test('given tasks of two keys, when they are added, then they run side by side', async () => {
    const log: string[] = [];
    const queue = orderedPerKey();
    const [a, b] = [gate(log, 'a'), gate(log, 'b')];
    queue.add('a', a.task, () => {});
    queue.add('b', b.task, () => {});
    await Promise.resolve();
    assert.deepEqual(log, ['start a', 'start b']);
    b.open();
    a.open();
    await queue.settle();
  });

  test('given a task that fails, when more of its key are queued, then they are skipped while other keys go on, until reset', async () => {
    const log: string[] = [];
    const skipped: string[] = [];
    const queue = orderedPerKey();
    const failing = gate(log, 'a1', true);
    failing.open();
    queue.add('a', failing.task, () => skipped.push('a1'));
    queue.add('a', async () => void log.push('a2'), () => skipped.push('a2'));
    queue.add('b', async () => void log.push('b1'), () => skipped.push('b1'));
    await queue.settle();
    assert.equal(queue.isBroken(), true);
    assert.deepEqual(skipped, ['a2']);
    assert.ok(log.includes('b1') && !log.includes('a2'));

    queue.reset();
    queue.add('a', async () => void log.push('a2 again'), () => skipped.push('a2 again'));
    await queue.settle();
    assert.equal(queue.isBroken(), false);
    assert.ok(log.includes('a2 again'));
  });
});
