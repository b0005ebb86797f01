/**
 * A database connection killed under a service (a restart, a failover, an operator's pg_terminate_backend) fails only
 * the work that was on it: the service's process goes on and the connection comes back. And a transaction has its
 * connection to itself, however busy the pool. postgres.js 3.4.9 does not do either by itself;
 * patches/postgres+3.4.9.patch makes it so, in every build of the driver, and this file proves it.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import postgres from 'postgres';
import { DEFAULT_POOL_SIZE } from '../../src/platform/database/index.ts';
import { type Response as ApiResponse, eventually } from '../support/api.ts';
import { useSystem } from '../support/topology.ts';

/** Errors that escaped every promise and callback: in a service process, each one would end it (Node's default). */
function recordEscapedErrors(): unknown[] {
  const escaped: unknown[] = [];
  const record = (error: unknown) => escaped.push(error);
  before(() => {
    process.on('uncaughtException', record);
    process.on('unhandledRejection', record);
  });
  after(() => {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
  });
  return escaped;
}

/** The backends of billing's own connections that wait for a lock. */
const billingWaitingOnLock = (database: postgres.Sql) => database<{ pid: number }[]>`
  SELECT pid FROM pg_stat_activity
  WHERE datname = current_database() AND application_name = 'streamshop-billing' AND wait_event_type = 'Lock'`;

/** Holds the row lock of a user's account from the test's own connection, so billing's deposits wait inside their transactions. */
async function lockAccount(database: postgres.Sql, userId: string): Promise<{ release(): Promise<void> }> {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked = () => {};
  const isLocked = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const holding = database.begin(async (tx) => {
    await tx`SELECT 1 FROM accounts WHERE user_id = ${userId} FOR UPDATE`;
    locked();
    await released;
  });
  await Promise.race([isLocked, holding]);
  return {
    async release() {
      release();
      await holding;
    },
  };
}

describe('a database connection killed under a service (embedded)', () => {
  const t = useSystem('embedded');
  const escaped = recordEscapedErrors();

  test(
    "when billing's connection is killed while a deposit waits inside its transaction, then that deposit gets a 503, nothing escapes to end the process, and deposits needing every connection of the pool, the killed one reopened, all succeed",
    { timeout: 60_000 },
    async () => {
      const user = await t.api.userWithAccount(1_000);
      const billing = t.system.database('billing');
      const deposits = `/billing/accounts/${user.id}/deposits`;

      const lock = await lockAccount(billing, user.id);
      let refused: ApiResponse;
      try {
        const killed = user.post(deposits, { amount: 100 });
        const [waiting] = await eventually(async () => {
          const rows = await billingWaitingOnLock(billing);
          assert.equal(rows.length, 1, 'the deposit waits for the account row, inside its transaction');
          return rows;
        });
        const [kill] = await billing<{ terminated: boolean }[]>`SELECT pg_terminate_backend(${waiting!.pid}) AS terminated`;
        assert.equal(kill?.terminated, true);
        // Its UPDATE fails, and the driver then writes the transaction's ROLLBACK to the closed connection.
        refused = await killed;
      } finally {
        await lock.release();
      }
      assert.equal(refused.status, 503, JSON.stringify(refused.body));
      assert.equal(refused.body.type, 'urn:streamshop:problem:unavailable');
      assert.deepEqual(escaped, [], 'no error escaped the driver');

      // More deposits at once than billing has connections: each waits on the account's row lock in its own
      // transaction, so the pool opens every connection it has, the killed one too, before any can finish.
      const count = DEFAULT_POOL_SIZE + 2;
      const again = await lockAccount(billing, user.id);
      let made: Promise<ApiResponse[]>;
      try {
        made = Promise.all(Array.from({ length: count }, () => user.post(deposits, { amount: 10 })));
        await eventually(async () => assert.equal((await billingWaitingOnLock(billing)).length, DEFAULT_POOL_SIZE), { timeoutMs: 20_000 });
      } finally {
        await again.release();
      }
      const statuses = (await made).map((response) => response.status);
      assert.deepEqual(statuses, Array(count).fill(201));
      assert.equal(await user.balance(), 1_000 + count * 10, 'the killed deposit left nothing behind');
      assert.equal((await user.transactions()).length, 1 + count);
      assert.deepEqual(escaped, []);
    },
  );

  const builds: [string, () => typeof postgres][] = [
    ['ES module', () => postgres],
    ['CommonJS', () => createRequire(import.meta.url)('postgres') as typeof postgres],
  ];
  for (const [build, driver] of builds) {
    test(
      `postgres.js, ${build} build: when a transaction's connection is killed between two statements, then the next statement is refused with CONNECTION_CLOSED, nothing escapes, and a query sent right after is served by that connection, reopened`,
      { timeout: 30_000 },
      async () => {
        let onClose = () => {};
        const closed = new Promise<void>((resolve) => {
          onClose = resolve;
        });
        // One connection, so the query after the kill must reopen the very connection that was killed.
        const sql = driver()(t.system.databaseUrl('billing'), { max: 1, connect_timeout: 5, onnotice: () => {}, onclose: () => onClose() });
        const killer = t.system.database('billing');
        try {
          let afterKill: Promise<unknown> | undefined;
          const transaction = sql.begin(async (tx) => {
            const [backend] = await tx<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
            await killer`SELECT pg_terminate_backend(${backend!.pid})`;
            await closed;
            afterKill = tx`SELECT 1`;
            await afterKill;
          });
          await assert.rejects(transaction, { code: 'CONNECTION_CLOSED' });
          await eventually(async () => assert.ok(afterKill, 'the statement after the kill was sent'));
          await assert.rejects(afterKill!, { code: 'CONNECTION_CLOSED' });
          const [next] = await sql<{ ok: number }[]>`SELECT 1 AS ok`;
          assert.equal(next?.ok, 1);
          assert.deepEqual(escaped, [], 'no error escaped the driver');
        } finally {
          await sql.end({ timeout: 1 });
        }
      },
    );

    test(
      `postgres.js, ${build} build: when a transaction's BEGIN is the query that fills a busy connection's pipeline, then the transaction commits on that connection, and the next query is not inside it`,
      { timeout: 30_000 },
      async () => {
        // One connection taking two queries at a time: one runs, one waits, and BEGIN is the one that fills it. A pool
        // under load gets there with its default of 100 per connection.
        // (max_pipeline is the driver's option, default 100, that its type definitions leave out.)
        const options = { max: 1, max_pipeline: 2, onnotice: () => {} } as Parameters<typeof postgres>[1];
        const sql = driver()(t.system.databaseUrl('billing'), options);
        try {
          await sql`SELECT 1`;
          const running = sql`SELECT pg_sleep(0.2)`.execute();
          const waiting = sql`SELECT 1`.execute();
          const transaction = sql.begin((tx) => tx<{ id: string }[]>`SELECT pg_current_xact_id()::text AS id`);
          await Promise.all([running, waiting]);
          const [inside] = await transaction;
          assert.match(String(inside?.id), /^\d+$/);
          // Inside the transaction left open, the next query would see its transaction id; in one of its own, none yet.
          const [next] = await sql<{ id: string | null }[]>`SELECT pg_current_xact_id_if_assigned()::text AS id`;
          assert.equal(next?.id, null, `the query after the transaction ran outside it (transaction ${inside?.id})`);
          assert.deepEqual(escaped, [], 'no error escaped the driver');
        } finally {
          await sql.end({ timeout: 1 });
        }
      },
    );
  }
});
