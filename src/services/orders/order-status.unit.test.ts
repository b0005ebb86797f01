import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFinal } from './order-status.ts';

test('given each status, when a waiting client asks whether the order is final, then paid and rejected are, pending is not', () => {
  assert.deepEqual(
    (['pending', 'paid', 'rejected'] as const).map((status) => [status, isFinal(status)]),
    [['pending', false], ['paid', true], ['rejected', true]],
  );
});
