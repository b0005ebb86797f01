import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertLedgerConsistent, } from '../../../tests/support/api.ts';
import { useSystem } from '../../../tests/support/topology.ts';

describe('billing', () => {
  const t = useSystem('embedded');

  test('when a deposit is retried with the same Idempotency-Key, then the first result is replayed and money moves once', async () => {
    const user = await t.api.userWithAccount();
    const key = { 'idempotency-key': `dep-${crypto.randomUUID()}` };
    const first = await user.post(`/billing/accounts/${user.id}/deposits`, { amount: 500 }, key);
    const retries = await Promise.all([1, 2, 3].map(() => user.post(`/billing/accounts/${user.id}/deposits`, { amount: 500 }, key)));
    assert.equal(first.status, 201);
    for (const retry of retries) {
      assert.equal(retry.status, 201);
      assert.deepEqual(retry.body, first.body);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    }
    assert.equal(await user.balance(), 500);
  });

  test('when an Idempotency-Key is reused with another amount, then it is a 422 and nothing moves', async () => {
    const user = await t.api.userWithAccount(1_000);
    const key = { 'idempotency-key': `wd-${crypto.randomUUID()}` };
    assert.equal((await user.post(`/billing/accounts/${user.id}/withdrawals`, { amount: 100 }, key)).status, 201);
    const reused = await user.post(`/billing/accounts/${user.id}/withdrawals`, { amount: 200 }, key);
    assert.equal(reused.status, 422);
    assert.equal(reused.body.code, 'idempotency-key-reused');
    assert.equal(await user.balance(), 900);
  });

  test('when a withdrawal exceeds the balance, then it is a 409 and the balance is unchanged', async () => {
    const user = await t.api.userWithAccount(100);
    const refused = await user.post(`/billing/accounts/${user.id}/withdrawals`, { amount: 101 });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'insufficient-funds');
    assert.equal(refused.body.balance, 100);
    assert.equal(await user.balance(), 100);
  });

  test('when deposits would push the balance past what JSON numbers hold exactly, then it is a 422', async () => {
    const user = await t.api.userWithAccount();
    await t.system.database('billing')`UPDATE accounts SET balance = 9007199254740000 WHERE user_id = ${user.id}`;
    const over = await user.post(`/billing/accounts/${user.id}/deposits`, { amount: 1_000_000 });
    assert.equal(over.status, 422);
    assert.equal(over.body.code, 'balance-limit');
  });

  test('the ledger lists every movement newest first, pages with a cursor, and adds up to the balance', async () => {
    const user = await t.api.userWithAccount();
    for (const amount of [100, 200, 300]) await user.post(`/billing/accounts/${user.id}/deposits`, { amount });
    await user.post(`/billing/accounts/${user.id}/withdrawals`, { amount: 50 });
    const page = await user.get(`/billing/accounts/${user.id}/transactions?limit=3`);
    assert.deepEqual(page.body.items.map((l: { amount: number }) => l.amount), [50, 300, 200]);
    const rest = await user.get(`/billing/accounts/${user.id}/transactions?limit=3&cursor=${page.body.nextCursor}`);
    assert.deepEqual(rest.body.items.map((l: { amount: number }) => l.amount), [100]);
    assertLedgerConsistent([...page.body.items, ...rest.body.items], await user.balance());
  });
});
