import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId } from './ids.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('new ids are UUIDv7s, unique and in the order they were made, well past one pool of random bits', () => {
  const ids = Array.from({ length: 20_000 }, newId);
  for (const id of ids) assert.match(id, UUID_V7);
  assert.equal(new Set(ids).size, ids.length, 'no id repeats');
  for (let i = 1; i < ids.length; i++) assert.ok((ids[i - 1] as string) < (ids[i] as string), `${ids[i - 1]} before ${ids[i]}`);
});

test('the random part of ids made in the same millisecond differs, not only their counter', () => {
  const tails = new Set(Array.from({ length: 1_000 }, () => newId().slice(-8)));
  assert.ok(tails.size > 990, `${tails.size} distinct random tails of 1000`);
});
