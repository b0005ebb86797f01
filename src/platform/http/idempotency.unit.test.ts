import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../common/index.ts';
import { readIdempotencyKey } from './idempotency.ts';

test('given an Idempotency-Key of 1 to 255 visible ASCII characters, when it is read, then it is the key; no header is no key', () => {
  assert.equal(readIdempotencyKey('order-2026-12-06#1'), 'order-2026-12-06#1');
  assert.equal(readIdempotencyKey('x'.repeat(255)), 'x'.repeat(255));
  assert.equal(readIdempotencyKey(undefined), undefined);
});

test('given a key with a space, a control or non-ASCII character, too long, empty or repeated, when it is read, then it is a 400', () => {
  for (const header of ['a b', 'a\tb', 'ключ', 'x'.repeat(256), '', ['a', 'b']]) {
    assert.throws(
      () => readIdempotencyKey(header),
      (error: unknown) => error instanceof AppError && error.status === 400 && error.code === 'invalid-idempotency-key',
      JSON.stringify(header),
    );
  }
});
