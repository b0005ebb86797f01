import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { client, eventually } from '../../../tests/support/api.ts';
import type { TestSystem } from '../../../tests/support/system.ts';
import { startSystem } from '../../../tests/support/topology.ts';

describe('notifications', () => {
  let system: TestSystem;
  let api: ReturnType<typeof client>;
  before(async () => {
    system = await startSystem('embedded');
    api = client(system.url);
  });
  after(() => system?.stop());

  test('when a message is posted to a known address, then it is stored as kind message for that user', async () => {
    const user = await api.userWithAccount();
    await eventually(async () => {
      const sent = await api.post('/notifications', { email: user.email, subject: 'Hi', body: 'Welcome' });
      assert.equal(sent.status, 201);
      assert.equal(sent.body.userId, user.id, 'the address is known once users.user.created is handled');
    });
    const [letter] = await api.letters(user.id);
    assert.equal(letter?.kind, 'message');
    assert.equal((await api.get(`/notifications/${letter?.id}`)).body.subject, 'Hi');
  });

  test('when a message goes to an unknown address, then it is stored without a user', async () => {
    const email = `stranger-${crypto.randomUUID()}@example.com`;
    const sent = await api.post('/notifications', { email, subject: 'Hello', body: 'Who are you?' });
    assert.equal(sent.status, 201);
    assert.equal(sent.body.userId, null);
    const byEmail = await api.get(`/notifications?email=${encodeURIComponent(email)}`);
    assert.equal(byEmail.body.items.length, 1);
  });
});
