import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { batched } from './batches.ts';

describe('batched', () => {
  test('given items in the same tick, when the batcher is idle, then they share one batch, answered in order', async () => {
    const batches: number[][] = [];
    const double = batched<number, number>(10, async (batch) => {
      batches.push(batch.map((w) => w.item));
      for (const waiting of batch) waiting.resolve(waiting.item * 2);
    });
    assert.deepEqual(await Promise.all([1, 2, 3].map(double)), [2, 4, 6]);
    assert.deepEqual(batches, [[1, 2, 3]]);
  });

  test('given more items than a batch holds, when they arrive together, then they go in batches of at most max', async () => {
    const sizes: number[] = [];
    const identity = batched<number, number>(4, async (batch) => {
      sizes.push(batch.length);
      for (const waiting of batch) waiting.resolve(waiting.item);
    });
    await Promise.all(Array.from({ length: 10 }, (_, i) => identity(i)));
    assert.deepEqual(sizes, [4, 4, 2]);
  });

  test('given a batch running, when items arrive meanwhile, then they wait and share the next batch', async () => {
    const batches: number[][] = [];
    const { promise: release, resolve: open } = Promise.withResolvers<void>();
    const slow = batched<number, void>(10, async (batch) => {
      batches.push(batch.map((w) => w.item));
      if (batches.length === 1) await release;
      for (const waiting of batch) waiting.resolve();
    });
    const first = slow(1);
    await new Promise((tick) => setImmediate(tick));
    const later = [slow(2), slow(3)];
    open();
    await Promise.all([first, ...later]);
    assert.deepEqual(batches, [[1], [2, 3]]);
  });

  test('given a handler that answers some items and then throws, when it fails, then only the unanswered items get its error', async () => {
    const half = batched<number, string>(10, async (batch) => {
      batch[0]?.resolve('answered');
      throw new Error('the rest failed');
    });
    const results = await Promise.allSettled([half(1), half(2)]);
    assert.deepEqual(results[0], { status: 'fulfilled', value: 'answered' });
    assert.equal(results[1].status, 'rejected');
    assert.match(String((results[1] as PromiseRejectedResult).reason), /the rest failed/);
  });
});
