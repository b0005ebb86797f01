import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertLedgerConsistent } from '../support/api.ts';
import { topologies, useSystem } from '../support/topology.ts';

for (const topology of topologies) {
  describe(`concurrent orders for one account (${topology})`, () => {
    const t = useSystem(topology);

    test('when balance is 100 and ten orders of 30 arrive at once, then exactly three are paid and the balance is 10', async () => {
      const { api } = t;
      const user = await api.userWithAccount(100);
      const orders = await Promise.all(
        Array.from({ length: 10 }, () => user.post('/orders', { userId: user.id, price: 30 }, { prefer: 'wait=20' })),
      );
      const statuses = orders.map((o) => o.body.status);
      assert.equal(statuses.filter((s) => s === 'paid').length, 3, `statuses: ${statuses}`);
      assert.equal(statuses.filter((s) => s === 'rejected').length, 7, `statuses: ${statuses}`);
      assert.ok(orders.filter((o) => o.body.status === 'rejected').every((o) => o.body.reason === 'insufficient_funds'));

      const balance = await user.balance();
      assert.equal(balance, 10);
      const ledger = await user.transactions();
      assert.equal(ledger.filter((l) => l.type === 'payment').length, 3);
      assertLedgerConsistent(ledger, balance);
    });
  });
}
