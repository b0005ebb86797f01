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

  test('when a user logs in, then the answer names their id, and GET /users/me returns them', async () => {
    const created = await t.api.post('/users', { email: 'cy@example.com', name: 'Cy', password: 'cy-password' });
    const login = await t.api.post('/users/login', { email: 'CY@example.com', password: 'cy-password' });
    assert.equal(login.status, 200);
    assert.equal(login.body.userId, created.body.id);
    const me = await t.api.as(login.body.accessToken).get('/users/me');
    assert.deepEqual(me.body, created.body);
    assert.equal((await t.api.get('/users/me')).status, 401, 'without a token nobody is me');
  });

  test('when an operator looks a user up by address, then they get that user, and an unknown address is an empty list', async () => {
    const created = await t.api.post('/users', { email: 'dee@example.com', name: 'Dee', password: 'dee-password' });
    const admin = await t.api.admin();
    const found = await admin.get('/users?email=DEE@example.com');
    assert.deepEqual(found.body, { items: [created.body], nextCursor: null });
    assert.deepEqual((await admin.get('/users?email=nobody@example.com')).body, { items: [], nextCursor: null });
    assert.equal((await admin.get('/users?email=not-an-address')).status, 400);
  });
});
