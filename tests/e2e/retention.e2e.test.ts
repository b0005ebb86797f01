/**
 * The messaging tables stay bounded while the system runs: with a retention of seconds, the rows of the outbox, the
 * inbox and the idempotency keys level off while orders keep flowing, and every guarantee still holds. SOAK_SECONDS
 * sets how long orders flow (default 20; the figures of the note come from longer runs).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { serviceNames } from '../../src/platform/runtime/index.ts';
import { client, eventually, metricSum } from '../support/api.ts';
import { type FundedUser, printCounts, settleAndCheck, usersWithMoney } from '../support/stack.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';

const SOAK_MS = Number(process.env.SOAK_SECONDS ?? 20) * 1000;
const KEEP = '4s';
const TABLES = ['outbox', 'inbox', 'idempotency_keys'] as const;

describe('retention (embedded)', () => {
  let system: TestSystem;
  before(async () => {
    system = await startTestSystem({
      env: { RETENTION_OUTBOX: KEEP, RETENTION_INBOX: KEEP, RETENTION_IDEMPOTENCY_KEYS: KEEP, RETENTION_DEAD_LETTERS: KEEP },
    });
  });
  after(() => system?.stop());

  /** Rows per messaging table, summed over the four databases, counted exactly. */
  async function rows(): Promise<Record<(typeof TABLES)[number], number>> {
    const counts = { outbox: 0, inbox: 0, idempotency_keys: 0 };
    for (const service of serviceNames) {
      for (const table of TABLES) {
        const [row] = await system.database(service).unsafe(`SELECT count(*)::int AS n FROM ${table}`);
        counts[table] += row?.n as number;
      }
    }
    return counts;
  }

  test('when orders flow for a while with a retention of seconds, then the messaging tables level off, and every order is paid or refused once with one letter', async () => {
    const api = client(system.url);
    const users: FundedUser[] = await usersWithMoney(api, 8, 1_000_000);
    const samples: { atMs: number; orders: number; rows: Awaited<ReturnType<typeof rows>> }[] = [];
    const started = Date.now();
    let placed = 0;
    const before = await rows();

    const placing = Promise.all(
      users.map(async (user, i) => {
        while (Date.now() - started < SOAK_MS) {
          // Half of the orders carry an Idempotency-Key, which is kept (and later forgotten) with its answer.
          const key = placed % 2 === 0 ? { 'idempotency-key': randomUUID() } : undefined;
          const order = await user.post('/orders', { userId: user.id, price: 100 + i }, key);
          assert.equal(order.status, 201, JSON.stringify(order.body));
          placed++;
        }
      }),
    );
    while (Date.now() - started < SOAK_MS) {
      await sleep(2_000);
      samples.push({ atMs: Date.now() - started, orders: placed, rows: await rows() });
    }
    await placing;

    const outcome = await settleAndCheck(system, users, placed, 60_000);
    assert.equal(outcome.charges, outcome.paid, 'each paid order charged once');

    // Levelled off: in the last third of the run the tables are no bigger than in the middle third (with a margin
    // for the pace), while a third more orders went through.
    const third = Math.floor(samples.length / 3);
    const middle = samples.slice(third, 2 * third);
    const last = samples.slice(2 * third);
    for (const table of TABLES) {
      const peak = (part: typeof samples) => Math.max(...part.map((s) => s.rows[table]));
      assert.ok(peak(last) <= peak(middle) * 1.5 + 50, `${table}: ${peak(middle)} rows in the middle third, ${peak(last)} in the last`);
    }
    const ordersInLast = (last.at(-1)?.orders ?? 0) - (middle.at(-1)?.orders ?? 0);
    assert.ok(ordersInLast > 0, 'orders kept flowing');
    // Far fewer rows are kept than the run wrote: each order writes an outbox row and an inbox row in two services.
    assert.ok((samples.at(-1)?.rows.inbox ?? 0) < placed, `inbox holds ${samples.at(-1)?.rows.inbox} rows after ${placed} orders`);

    for (const table of TABLES) {
      const deleted = await eventually(async () => {
        let sum = 0;
        for (const service of serviceNames) sum += await metricSum(system, service, new RegExp(`^retention_rows_deleted_total\\{[^}]*table="${table}"[^}]*\\} (\\d+)`));
        assert.ok(sum > 0, `retention_rows_deleted_total{table="${table}"}`);
        return sum;
      });
      printCounts(`retention: ${table}`, { deleted, before: before[table], peakMiddle: Math.max(...middle.map((s) => s.rows[table])), peakLast: Math.max(...last.map((s) => s.rows[table])), atEnd: samples.at(-1)?.rows[table] });
    }
    printCounts('retention: run', { seconds: SOAK_MS / 1000, ...outcome });
  });

  test('when dead letters were replayed or discarded long ago, then they are deleted; dead letters still waiting are kept however old', async () => {
    const billing = system.database('billing');
    const handled = randomUUID();
    const discarded = randomUUID();
    const waiting = randomUUID();
    const envelope = { id: handled, type: 'orders.order.created.v1' };
    await billing`
      INSERT INTO dead_letters (event_id, event_type, envelope, error, attempts, failed_at, replayed_at) VALUES
        (${handled}, 'orders.order.created.v1', ${billing.json(envelope)}, 'old and settled', 5, now() - interval '1 day', now() - interval '1 hour'),
        (${waiting}, 'orders.order.created.v1', ${billing.json({ ...envelope, id: waiting })}, 'old and waiting', 5, now() - interval '1 day', NULL)`;
    await billing`
      INSERT INTO dead_letters (event_id, event_type, envelope, error, attempts, failed_at, discarded_at, discarded_by_user_id, discarded_by_email, discard_reason)
      VALUES (${discarded}, 'orders.order.created.v1', ${billing.json({ ...envelope, id: discarded })}, 'old and discarded', 5,
        now() - interval '1 day', now() - interval '1 hour', ${randomUUID()}, 'operator@example.com', 'refunded by hand')`;
    await eventually(async () => {
      const left = await billing<{ event_id: string }[]>`SELECT event_id FROM dead_letters WHERE event_id IN (${handled}, ${discarded}, ${waiting})`;
      assert.deepEqual(left.map((row) => row.event_id), [waiting]);
    }, { timeoutMs: 15_000 });
    const metrics = await (await fetch(`${system.url}/billing/metrics`)).text();
    assert.match(metrics, /^table_rows\{[^}]*table="dead_letters"[^}]*\} \d+/m);
    assert.match(metrics, /^outbox_oldest_unpublished_seconds\{[^}]*\} [\d.]+/m);
  });
});
