import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useSystem } from '../../../tests/support/topology.ts';

describe('users', () => {
  const t = useSystem('embedded');

  test('when a user registers, then it can be read back at its Location', async () => {
    const created = await t.api.post('/users', { email: 'Ann@Example.com', name: 'Ann' });
    assert.equal(created.status, 201);
    assert.match(created.body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7/, 'a UUIDv7');
    const read = await t.api.get(created.headers.get('location') ?? '');
    assert.deepEqual(read.body, created.body);
  });

  test('when the e-mail is taken, whatever its case, then the second registration is a 409', async () => {
    await t.api.post('/users', { email: 'bob@example.com', name: 'Bob' });
    const again = await t.api.post('/users', { email: 'BOB@example.com', name: 'Bobby' });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'email-taken');
  });

  test('when the user does not exist, then GET is a 404 problem', async () => {
    const missing = await t.api.get(`/users/${crypto.randomUUID()}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'user-not-found');
  });
});
