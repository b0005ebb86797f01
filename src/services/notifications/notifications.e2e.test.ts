import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually } from '../../../tests/support/api.ts';
import { useSystem } from '../../../tests/support/topology.ts';

describe('notifications', () => {
  const t = useSystem('embedded');

  test('when a message is posted to a known address, then it is stored as kind message for that user', async () => {
    const user = await t.api.userWithAccount();
    await eventually(async () => {
      const sent = await t.api.post('/notifications', { email: user.email, subject: 'Hi', body: 'Welcome' });
      assert.equal(sent.status, 201);
      assert.equal(sent.body.userId, user.id, 'the address is known once users.user.created is handled');
    });
    const [letter] = await t.api.letters(user.id);
    assert.equal(letter?.kind, 'message');
    assert.equal((await t.api.get(`/notifications/${letter?.id}`)).body.subject, 'Hi');
  });

  test('when a message goes to an unknown address, then it is stored without a user', async () => {
    const email = `stranger-${crypto.randomUUID()}@example.com`;
    const sent = await t.api.post('/notifications', { email, subject: 'Hello', body: 'Who are you?' });
    assert.equal(sent.status, 201);
    assert.equal(sent.body.userId, null);
    const byEmail = await t.api.get(`/notifications?email=${encodeURIComponent(email)}`);
    assert.equal(byEmail.body.items.length, 1);
  });
});
