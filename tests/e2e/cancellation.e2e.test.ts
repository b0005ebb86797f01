/**
 * Cancellation, in whichever style the suite runs (INTERACTION_STYLE): a pending or paid order ends cancelled with
 * its money back and exactly one order_cancelled letter, whatever the payment in flight does; a rejected or cancelled
 * order is a 409; someone else's is a 404.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertLedgerConsistent, eventually, type Member } from '../support/api.ts';
import { holdAccountLock } from '../support/faults.ts';
import { answersFinalAtOnce, topologies, useSystem } from '../support/topology.ts';

/** Cancels and follows the order until it is cancelled; returns the first answer's status and the final order. */
async function cancelAndSettle(user: Member, orderId: string, headers: Record<string, string> = {}) {
  const answer = await user.post(`/orders/${orderId}/cancellation`, undefined, headers);
  assert.ok(answer.status === 200 || answer.status === 202, `200 or 202, got ${answer.status} ${JSON.stringify(answer.body)}`);
  assert.equal(answer.body.status, answer.status === 200 ? 'cancelled' : 'cancelling');
  const final = await eventually(async () => {
    const order = (await user.get(`/orders/${orderId}`, { prefer: 'wait=5' })).body;
    assert.equal(order.status, 'cancelled');
    return order;
  }, { timeoutMs: 20_000 });
  return { answer, final };
}

for (const topology of topologies) {
  describe(`cancellation (${topology})`, () => {
    const t = useSystem(topology);

    test('when a paid order is cancelled, then its money comes back with a refund line, and it gets its one cancelled letter', async () => {
      const user = await t.api.userWithAccount(1_000);
      const placed = await user.post('/orders', { userId: user.id, price: 300 }, { prefer: 'wait=10' });
      assert.equal(placed.body.status, 'paid');
      const { final } = await cancelAndSettle(user, placed.body.id);
      assert.equal(final.reason, 'cancelled_by_user');
      assert.equal(await user.balance(), 1_000);
      const ledger = await user.transactions();
      const refund = ledger.find((line) => line.type === 'refund');
      assert.deepEqual({ amount: refund?.amount, orderId: refund?.orderId }, { amount: 300, orderId: placed.body.id });
      assertLedgerConsistent(ledger, 1_000);
      const letters = await eventually(async () => {
        const kinds = (await user.letters()).filter((l) => l.orderId === placed.body.id).map((l) => l.kind).sort();
        assert.deepEqual(kinds, ['order_cancelled', 'order_paid']);
        return kinds;
      });
      assert.equal(letters.length, 2);
    });

    test('when an order is cancelled while its payment is in flight, then it ends cancelled with no net charge, and with an order_paid letter only if it was paid first', async () => {
      const user = await t.api.userWithAccount(1_000);
      // Billing cannot take the money while the account row is locked: the payment is in flight for as long as we hold it.
      const lock = await holdAccountLock(t.system.database('billing'), user.id);
      // In the http styles the placing request waits for billing: the order is found by listing while it does.
      const placing = user.post('/orders', { userId: user.id, price: 400 });
      const orderId = answersFinalAtOnce
        ? await eventually(async () => {
            const [order] = (await user.get(`/orders?userId=${user.id}`)).body.items;
            assert.ok(order, 'the order is placed and its payment waits');
            return order.id as string;
          })
        : (await placing).body.id;
      const cancelling = user.post(`/orders/${orderId}/cancellation`, undefined);
      if (!answersFinalAtOnce) assert.equal((await cancelling).body.status, 'cancelling', 'accepted before billing could take the money');
      await lock.release();
      await placing;
      const { final } = await cancelAndSettle(user, orderId).catch(async () => ({ final: (await user.get(`/orders/${orderId}`)).body }));
      assert.equal(final.status, 'cancelled');
      assert.equal(await user.balance(), 1_000, 'no net charge');
      assertLedgerConsistent(await user.transactions(), 1_000);
      // The http styles finish the payment in flight first (the cancellation waits for the order's lock): it was paid.
      const expected = answersFinalAtOnce ? ['order_cancelled', 'order_paid'] : ['order_cancelled'];
      await eventually(async () => assert.deepEqual((await user.letters()).filter((l) => l.orderId === orderId).map((l) => l.kind).sort(), expected));
    });

    test('when a rejected or a cancelled order is cancelled, then it is a 409 not-cancellable; with the same Idempotency-Key the first answer comes again', async () => {
      const user = await t.api.userWithAccount(100);
      const rejected = await user.post('/orders', { userId: user.id, price: 500 }, { prefer: 'wait=10' });
      assert.equal(rejected.body.status, 'rejected');
      const refused = await user.post(`/orders/${rejected.body.id}/cancellation`, undefined);
      assert.equal(refused.status, 409);
      assert.equal(refused.body.code, 'not-cancellable');

      const paid = await user.post('/orders', { userId: user.id, price: 50 }, { prefer: 'wait=10' });
      const key = { 'idempotency-key': `cancel-${crypto.randomUUID()}` };
      const { answer } = await cancelAndSettle(user, paid.body.id, key);
      const repeated = await user.post(`/orders/${paid.body.id}/cancellation`, undefined, key);
      assert.equal(repeated.status, answer.status);
      assert.equal(repeated.headers.get('idempotent-replayed'), 'true');
      assert.equal((await user.post(`/orders/${paid.body.id}/cancellation`, undefined)).status, 409, 'without the key: cancelled already');
      assert.equal(await user.balance(), 100);
    });

    test("when someone cancels another user's order it is a 404 and nothing changes; without a token a 401; an operator may cancel it", async () => {
      const [owner, stranger] = await Promise.all([t.api.userWithAccount(1_000), t.api.userWithAccount(1_000)]);
      const placed = await owner.post('/orders', { userId: owner.id, price: 100 }, { prefer: 'wait=10' });
      assert.equal((await stranger.post(`/orders/${placed.body.id}/cancellation`, undefined)).status, 404);
      assert.equal((await t.api.post(`/orders/${placed.body.id}/cancellation`, undefined)).status, 401);
      assert.equal((await owner.get(`/orders/${placed.body.id}`)).body.status, 'paid');
      const admin = await t.api.admin();
      const byOperator = await admin.post(`/orders/${placed.body.id}/cancellation`, undefined);
      assert.ok([200, 202].includes(byOperator.status));
      await cancelAndSettle(owner, placed.body.id).catch(() => undefined);
      await eventually(async () => assert.equal(await owner.balance(), 1_000));
    });
  });
}
