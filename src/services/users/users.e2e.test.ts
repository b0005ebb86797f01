import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useSystem } from '../../../tests/support/topology.ts';

describe('users', () => {
  const t = useSystem('embedded');

  test('when a user registers, then it can be read back at its Location', async () => {
    const created = await t.api.post('/users', { email: 'Ann@Example.com', name: 'Ann', password: 'ann-password' });
    assert.equal(created.status, 201);
    assert.match(created.body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7/, 'a UUIDv7');
    assert.deepEqual(Object.keys(created.body).sort(), ['createdAt', 'email', 'id', 'name'], 'no password, no hash');
    const ann = t.api.as(await t.api.logIn('ann@example.com', 'ann-password'));
    const read = await ann.get(created.headers.get('location') ?? '');
    assert.deepEqual(read.body, created.body);
  });

  test('when the e-mail is taken, whatever its case, then the second registration is a 409', async () => {
    await t.api.post('/users', { email: 'bob@example.com', name: 'Bob', password: 'bob-password' });
    const again = await t.api.post('/users', { email: 'BOB@example.com', name: 'Bobby', password: 'bobby-password' });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'email-taken');
  });

  test('when the user does not exist, then GET (by an operator) is a 404 problem', async () => {
    const missing = await (await t.api.admin()).get(`/users/${crypto.randomUUID()}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'user-not-found');
  });
});
