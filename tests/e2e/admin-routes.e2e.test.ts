/**
 * The operators' routes every service serves under /<service>/admin, through the public API: real dead letters
 * (a handler failing until the fault is lifted), retried and discarded by the operator, with the audit record of a
 * discard; what each service published and handled about an order; and nobody else may call them.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { serviceNames } from '../../src/platform/runtime/index.ts';
import { type Api, eventually, TEST_ADMIN } from '../support/api.ts';
import { failInserts } from '../support/faults.ts';
import { topologies, useSystem } from '../support/topology.ts';

for (const topology of topologies) {
  describe(`operators' routes (${topology})`, () => {
    const t = useSystem(topology);
    let admin: Api;
    before(async () => {
      admin = await t.api.admin();
    });

    /** The dead letter of the order's orders.order.created in billing, once it has one. */
    async function deadLetterOf(orderId: string) {
      return eventually(
        async () => {
          const page = await admin.get('/billing/admin/dead-letters?state=waiting&limit=100');
          assert.equal(page.status, 200, JSON.stringify(page.body));
          const letter = page.body.items.find((item: { subject: string }) => item.subject === orderId);
          assert.ok(letter, `no dead letter about order ${orderId} yet`);
          return letter;
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
    }

    test('when billing fails an order every attempt, then the operator finds the dead letter, retries it once the cause is fixed, and the order is paid', async () => {
      const user = await t.api.userWithAccount(1_000);
      const fault = await failInserts(t.system.database('billing'), 'ledger', user.id, 'injected poison');
      try {
        const order = await user.post('/orders', { userId: user.id, price: 100 });
        const letter = await deadLetterOf(order.body.id);
        assert.equal(letter.type, 'orders.order.created.v1');
        assert.equal(letter.state, 'waiting');
        assert.match(letter.error, /injected poison/);
        assert.equal(letter.envelope.data.orderId, order.body.id);

        // Retried while the cause is still there: it fails again and keeps waiting.
        const again = await admin.post(`/billing/admin/dead-letters/${letter.eventId}/retry`, undefined);
        assert.equal(again.status, 200, JSON.stringify(again.body));
        assert.equal(again.body.state, 'waiting');
        assert.equal((await user.get(`/orders/${order.body.id}`)).body.status, 'pending');

        await fault.lift();
        const retried = await admin.post(`/billing/admin/dead-letters/${letter.eventId}/retry`, undefined);
        assert.equal(retried.status, 200, JSON.stringify(retried.body));
        assert.equal(retried.body.state, 'replayed');
        assert.ok(retried.body.replayedAt);
        assert.equal((await user.get(`/orders/${order.body.id}`, { prefer: 'wait=15' })).body.status, 'paid');
        assert.equal(await user.balance(), 900);

        const twice = await admin.post(`/billing/admin/dead-letters/${letter.eventId}/retry`, undefined);
        assert.equal(twice.status, 409);
        assert.equal(twice.body.code, 'dead-letter-settled');
        const replayed = await admin.get('/billing/admin/dead-letters?state=replayed&limit=100');
        assert.ok(replayed.body.items.some((item: { eventId: string }) => item.eventId === letter.eventId));
      } finally {
        await fault.lift();
      }
    });

    test('when the operator discards a dead letter with a reason, then it is settled, not handled, and keeps who did it, when and why', async () => {
      const user = await t.api.userWithAccount(1_000);
      const fault = await failInserts(t.system.database('billing'), 'ledger', user.id, 'injected poison');
      let letter: { eventId: string };
      try {
        const order = await user.post('/orders', { userId: user.id, price: 100 });
        letter = await deadLetterOf(order.body.id);
      } finally {
        await fault.lift();
      }
      const path = `/billing/admin/dead-letters/${letter.eventId}`;
      assert.equal((await admin.post(`${path}/discard`, { reason: '' })).status, 400, 'a reason is required');
      assert.equal((await admin.post(`${path}/discard`, { reason: 'x'.repeat(501) })).status, 400, 'at most 500 characters');

      const before = Date.now();
      const discarded = await admin.post(`${path}/discard`, { reason: 'refunded by hand, ticket 42' });
      assert.equal(discarded.status, 200, JSON.stringify(discarded.body));
      assert.equal(discarded.body.state, 'discarded');
      const operatorId = JSON.parse(Buffer.from((admin.token as string).split('.')[1] as string, 'base64url').toString()).sub;
      assert.deepEqual(discarded.body.discarded.by, { userId: operatorId, email: TEST_ADMIN.email });
      assert.equal(discarded.body.discarded.reason, 'refunded by hand, ticket 42');
      assert.ok(Date.parse(discarded.body.discarded.at) >= before - 5_000);

      assert.equal((await admin.post(`${path}/retry`, undefined)).status, 409, 'a discarded dead letter is not retried');
      assert.equal((await admin.post(`${path}/discard`, { reason: 'again' })).status, 409);
      assert.equal(await user.balance(), 1_000, 'discarding handled nothing');
      const [row] = await t.system.database('billing')`
        SELECT discarded_by_email, discard_reason, settled_at IS NOT NULL AS settled FROM dead_letters WHERE event_id = ${letter.eventId}`;
      assert.deepEqual({ ...row }, { discarded_by_email: TEST_ADMIN.email, discard_reason: 'refunded by hand, ticket 42', settled: true });
      const waiting = await admin.get('/billing/admin/dead-letters?state=waiting&limit=100');
      assert.ok(!waiting.body.items.some((item: { eventId: string }) => item.eventId === letter.eventId));
    });

    test('when an order is paid, then each service tells what it published and handled about it', async () => {
      const user = await t.api.userWithAccount(1_000);
      const order = await user.post('/orders', { userId: user.id, price: 250 }, { prefer: 'wait=15' });
      assert.equal(order.body.status, 'paid');
      const trail = async (service: string) => {
        const response = await admin.get(`/${service}/admin/events?subject=${order.body.id}`);
        assert.equal(response.status, 200, JSON.stringify(response.body));
        return {
          published: response.body.published.map((p: { envelope: { type: string } }) => p.envelope.type),
          handled: response.body.handled.map((h: { type: string }) => h.type),
        };
      };
      await eventually(async () => {
        assert.deepEqual(await trail('orders'), {
          published: ['orders.order.created.v1', 'orders.order.paid.v1'],
          handled: ['billing.payment.succeeded.v1'],
        });
        assert.deepEqual(await trail('billing'), { published: ['billing.payment.succeeded.v1'], handled: ['orders.order.created.v1'] });
        assert.deepEqual(await trail('notifications'), { published: [], handled: ['orders.order.paid.v1'] });
      });
      const orders = await admin.get(`/orders/admin/events?subject=${order.body.id}`);
      const [created] = orders.body.published;
      assert.equal(created.envelope.data.orderId, order.body.id);
      assert.ok(Date.parse(created.publishedAt) >= Date.parse(created.createdAt));
    });

    test('when a user or nobody calls an admin route of any service, then it is 403 or 401, and the operator gets past the check', async () => {
      const user = await t.api.userWithAccount();
      const id = randomUUID();
      for (const service of serviceNames) {
        const calls: [string, string, unknown][] = [
          ['GET', `/${service}/admin/dead-letters`, undefined],
          ['POST', `/${service}/admin/dead-letters/${id}/retry`, undefined],
          ['POST', `/${service}/admin/dead-letters/${id}/discard`, { reason: 'mine' }],
          ['GET', `/${service}/admin/events?subject=${user.id}`, undefined],
        ];
        for (const [method, path, body] of calls) {
          const asUser = await user.call(method, path, body);
          assert.equal(asUser.status, 403, `${method} ${path} as a user: ${JSON.stringify(asUser.body)}`);
          assert.equal(asUser.body.code, 'forbidden');
          const anonymous = await t.api.call(method, path, body);
          assert.equal(anonymous.status, 401, `${method} ${path} without a token`);
          const operator = await admin.call(method, path, body);
          assert.equal(operator.status, method === 'GET' ? 200 : 404, `${method} ${path} as the operator: ${JSON.stringify(operator.body)}`);
        }
      }
    });
  });
}
