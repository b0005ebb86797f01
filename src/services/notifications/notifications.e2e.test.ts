import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually } from '../../../tests/support/api.ts';
import { useSystem } from '../../../tests/support/topology.ts';

describe('notifications', () => {
  const t = useSystem('embedded');

  test('when an operator posts a message to a known address, then it is stored as kind message for that user', async () => {
    const user = await t.api.userWithAccount();
    const admin = await t.api.admin();
    await eventually(async () => {
      const sent = await admin.post('/notifications', { email: user.email, subject: 'Hi', body: 'Welcome' });
      assert.equal(sent.status, 201);
      assert.equal(sent.body.userId, user.id, 'the address is known once users.user.created is handled');
    });
    const [letter] = await user.letters();
    assert.equal(letter?.kind, 'message');
    assert.equal((await user.get(`/notifications/${letter?.id}`)).body.subject, 'Hi');
  });

  test('when a message goes to an unknown address, then it is stored without a user, for operators only', async () => {
    const admin = await t.api.admin();
    const email = `stranger-${crypto.randomUUID()}@example.com`;
    const sent = await admin.post('/notifications', { email, subject: 'Hello', body: 'Who are you?' });
    assert.equal(sent.status, 201);
    assert.equal(sent.body.userId, null);
    const byEmail = await admin.get(`/notifications?email=${encodeURIComponent(email)}`);
    assert.equal(byEmail.body.items.length, 1);
    const someone = await t.api.userWithAccount();
    assert.equal((await someone.get(`/notifications/${sent.body.id}`)).status, 404);
  });
});
