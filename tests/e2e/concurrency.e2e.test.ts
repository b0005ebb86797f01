import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertLedgerConsistent, client } from '../support/api.ts';
import type { TestSystem } from '../support/system.ts';
import { startSystem, topologies } from '../support/topology.ts';

for (const topology of topologies) {
  describe(`concurrent orders for one account (${topology})`, () => {
    let system: TestSystem;
    before(async () => {
      system = await startSystem(topology);
    });
    after(() => system?.stop());

    test('when balance is 100 and ten orders of 30 arrive at once, then exactly three are paid and the balance is 10', async () => {
      const api = client(system.url);
      const user = await api.userWithAccount(100);
      const orders = await Promise.all(
        Array.from({ length: 10 }, () => api.post('/orders', { userId: user.id, price: 30 }, { prefer: 'wait=20' })),
      );
      const statuses = orders.map((o) => o.body.status);
      assert.equal(statuses.filter((s) => s === 'paid').length, 3, `statuses: ${statuses}`);
      assert.equal(statuses.filter((s) => s === 'rejected').length, 7, `statuses: ${statuses}`);
      assert.ok(orders.filter((o) => o.body.status === 'rejected').every((o) => o.body.reason === 'insufficient_funds'));

      const balance = await api.balance(user.id);
      assert.equal(balance, 10);
      const ledger = await api.transactions(user.id);
      assert.equal(ledger.filter((l) => l.type === 'payment').length, 3);
      assertLedgerConsistent(ledger, balance);
    });
  });
}
