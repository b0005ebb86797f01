import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { serviceNames } from '../../src/platform/runtime/index.ts';
import { client, eventually, type Member, TEST_ADMIN } from '../support/api.ts';
import type { TestSystem } from '../support/system.ts';

/** What the generated requests need to really succeed; newman gets each as an environment variable. */
export interface Seed {
  userId: string;
  userEmail: string;
  userPassword: string;
  orderId: string;
  letterId: string;
  /** Another user's id, order and letter: the signed-in user gets 403 for the first and 404 for the others. */
  otherUserId: string;
  otherOrderId: string;
  otherLetterId: string;
  adminEmail: string;
  adminPassword: string;
}

/**
 * Seeds the system over its public API: the user the documentation logs in as (the example body of POST /users/login,
 * so the generated login succeeds as documented and Portman can fuzz its literal values), money on the account, one
 * paid order and its letter; another user with an order (rejected: no money) and its letter. The operator is the test
 * system's.
 */
export async function seedData(baseUrl: string, loginExample: unknown): Promise<Seed> {
  const { email, password } = (loginExample ?? {}) as { email?: string; password?: string };
  assert.ok(email && password, 'the users document has no example body for POST /users/login');
  const anonymous = client(baseUrl);
  const created = await anonymous.post('/users', { email, name: 'Contract Tests', password });
  assert.equal(created.status, 201, `register ${email}: ${JSON.stringify(created.body)}`);
  const user = await anonymous.signIn({ id: created.body.id, email, password });
  await eventually(async () => assert.equal((await user.get(`/billing/accounts/${user.id}`)).status, 200));
  const deposit = await user.post(`/billing/accounts/${user.id}/deposits`, { amount: 1_000_000 });
  assert.equal(deposit.status, 201, JSON.stringify(deposit.body));
  const [order, letter] = await orderWithLetter(user, 'paid');
  const other = await anonymous.userWithAccount();
  const [otherOrder, otherLetter] = await orderWithLetter(other, 'rejected');
  return {
    userId: user.id,
    userEmail: email,
    userPassword: password,
    orderId: order.id,
    letterId: letter.id,
    otherUserId: other.id,
    otherOrderId: otherOrder.id,
    otherLetterId: otherLetter.id,
    adminEmail: TEST_ADMIN.email,
    adminPassword: TEST_ADMIN.password,
  };
}

async function orderWithLetter(user: Member, status: 'paid' | 'rejected'): Promise<[{ id: string }, { id: string }]> {
  const order = await user.post('/orders', { userId: user.id, price: 2500 }, { prefer: 'wait=10' });
  assert.equal(order.body.status, status, JSON.stringify(order.body));
  const letter = await eventually(async () => {
    const found = (await user.letters()).find((item) => item.orderId === order.body.id);
    assert.ok(found, `the letter of order ${order.body.id} has not arrived`);
    return found;
  });
  return [order.body, letter];
}

/** The dead letters the operators' routes act on, the same two in every service. */
export interface DeadLetterSeed {
  /** Retried by the generated request: it fails again (no handler takes its type) and stays waiting. */
  deadLetterId: string;
  /** Discarded by the generated request. */
  discardableDeadLetterId: string;
}

/**
 * Dead letters of an event type no service handles, written straight into each service's table (no flow over the
 * API makes one: a dead letter is a failure). A retry hands it to the handlers, which refuse it again, so nothing
 * else changes.
 */
export async function seedDeadLetters(system: TestSystem): Promise<DeadLetterSeed> {
  const seed = { deadLetterId: randomUUID(), discardableDeadLetterId: randomUUID() };
  for (const service of serviceNames) {
    const sql = system.database(service);
    for (const id of Object.values(seed)) {
      const envelope = {
        specversion: '1.0',
        id,
        source: '/streamshop/contract-tests',
        type: 'contract.tests.unhandled.v1',
        time: new Date().toISOString(),
        subject: id,
        datacontenttype: 'application/json',
        correlationid: 'contract-tests',
        data: {},
      };
      await sql`
        INSERT INTO dead_letters (event_id, event_type, envelope, error, attempts)
        VALUES (${id}, ${envelope.type}, ${sql.json(envelope)}, 'no handler for contract.tests.unhandled.v1', 5)`;
    }
  }
  return seed;
}

/**
 * Two orders whose process an operator can act on, written straight into the orders table (the API makes such an
 * order only when billing fails to answer): one cancelling, its refund followed up in an hour (Retry brings that
 * forward), and one pending, its charge followed up in an hour (Compensate rejects it).
 */
export async function seedOrderProcesses(system: TestSystem, userId: string): Promise<{ retryOrderId: string; compensateOrderId: string }> {
  const seed = { retryOrderId: randomUUID(), compensateOrderId: randomUUID() };
  const sql = system.database('orders');
  await sql`
    INSERT INTO orders (id, user_id, price, status, follow_up, follow_up_at, refund_cause)
    VALUES (${seed.retryOrderId}, ${userId}, 100, 'cancelling', 'refund', now() + interval '1 hour', 'cancelled_by_user')`;
  await sql`
    INSERT INTO orders (id, user_id, price, status, follow_up, follow_up_at)
    VALUES (${seed.compensateOrderId}, ${userId}, 100, 'pending', 'charge', now() + interval '1 hour')`;
  return seed;
}
