import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Type, { type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Email, Kopecks, Text, toPage, Uuid } from './index.ts';

const check = (schema: TSchema) => {
  const compiled = Compile(schema);
  return (value: unknown) => compiled.Check(value);
};

describe('the schemas of every contract', () => {
  test('given UUIDs, when they are checked, then only the 8-4-4-4-12 form PostgreSQL reads passes, not urn:uuid: or braces', () => {
    const uuid = check(Uuid('id'));
    assert.equal(uuid('01934f6e-7b1a-7c3d-9e2f-0a1b2c3d4e5f'), true);
    assert.equal(uuid('urn:uuid:01934f6e-7b1a-7c3d-9e2f-0a1b2c3d4e5f'), false);
    assert.equal(uuid('{01934f6e-7b1a-7c3d-9e2f-0a1b2c3d4e5f}'), false);
    assert.equal(uuid('01934f6e7b1a7c3d9e2f0a1b2c3d4e5f'), false);
  });

  test('given texts, when they are checked, then a NUL or a lone surrogate is refused and any other character passes', () => {
    const text = check(Text({ minLength: 1, maxLength: 20, description: 'x' }));
    assert.equal(text('Ann 🌷 Ёлка'), true);
    assert.equal(text('a\u0000b'), false);
    assert.equal(text('a\uD800b'), false);
  });

  test('given amounts, when they are checked, then whole kopecks from 1 to 10^12 pass and nothing else', () => {
    const kopecks = check(Kopecks('amount'));
    assert.deepEqual([1, 1_000_000_000_000].map(kopecks), [true, true]);
    assert.deepEqual([0, -1, 1.5, 1_000_000_000_001, '10'].map(kopecks), [false, false, false, false, false]);
  });

  test('given addresses, when they are checked, then one of 254 characters at most passes', () => {
    const email = check(Type.Object({ email: Email('address') }));
    assert.equal(email({ email: 'ann@example.com' }), true);
    assert.equal(email({ email: `${'a'.repeat(250)}@example.com` }), false);
  });

  test('given a full page, when it is answered, then it points at its last item, and a short page is the last one', () => {
    assert.deepEqual(toPage(['a', 'b'], { limit: 2, cursor: undefined }, (item) => `id-${item}`), { items: ['a', 'b'], nextCursor: 'id-b' });
    assert.deepEqual(toPage(['a'], { limit: 2, cursor: undefined }, (item) => item), { items: ['a'], nextCursor: null });
  });
});
