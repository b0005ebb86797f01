import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { client } from '../../../tests/support/api.ts';
import type { TestSystem } from '../../../tests/support/system.ts';
import { startSystem } from '../../../tests/support/topology.ts';

describe('users', () => {
  let system: TestSystem;
  let api: ReturnType<typeof client>;
  before(async () => {
    system = await startSystem('embedded');
    api = client(system.url);
  });
  after(() => system?.stop());

  test('when a user registers, then it can be read back at its Location', async () => {
    const created = await api.post('/users', { email: 'Ann@Example.com', name: 'Ann' });
    assert.equal(created.status, 201);
    assert.match(created.body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7/, 'a UUIDv7');
    const read = await api.get(created.headers.get('location') ?? '');
    assert.deepEqual(read.body, created.body);
  });

  test('when the e-mail is taken, whatever its case, then the second registration is a 409', async () => {
    await api.post('/users', { email: 'bob@example.com', name: 'Bob' });
    const again = await api.post('/users', { email: 'BOB@example.com', name: 'Bobby' });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'email-taken');
  });

  test('when the user does not exist, then GET is a 404 problem', async () => {
    const missing = await api.get(`/users/${crypto.randomUUID()}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'user-not-found');
  });
});
