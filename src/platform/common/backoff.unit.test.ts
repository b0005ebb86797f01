import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from './backoff.ts';

test('given a backoff, when retries follow each other, then the wait grows by its factor from the first and stops at the cap', () => {
  const backoff = { firstMs: 100, factor: 2, maxMs: 1_000 };
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((retry) => backoffDelay(backoff, retry)), [100, 200, 400, 800, 1_000, 1_000]);
});

test('given a retry number below 1, when the wait is asked, then it is the first wait', () => {
  assert.equal(backoffDelay({ firstMs: 250, factor: 2, maxMs: 5_000 }, 0), 250);
});
