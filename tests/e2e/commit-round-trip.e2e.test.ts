/**
 * With MESSAGE_BATCHING=on, a transaction's queued writes (its outbox INSERT, its NOTIFY) go out with the COMMIT, in
 * one round trip (src/platform/batching/commit-pipelining.ts). That is only safe because PostgreSQL takes a COMMIT
 * that follows a failed statement for a ROLLBACK: these tests hold it to that on a real PostgreSQL, and show that the
 * failure reaches the caller instead of a success.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import postgres from 'postgres';
import { sendWithCommit } from '../../src/platform/batching/commit-pipelining.ts';
import { type CommitWrite, openDatabase, queueForCommit, type Sql } from '../../src/platform/database/index.ts';
import { useSystem } from '../support/topology.ts';

/** Writes each queued id with its own INSERT, in the order queued. */
const pipelinedInsert: CommitWrite<string> = {
  name: 'pipelined',
  statements: (tx, ids) => ids.map((id) => (id === 'next' ? tx`INSERT INTO pipelined (id) SELECT max(id) + 1 FROM pipelined` : tx`INSERT INTO pipelined (id) VALUES (${Number(id)})`)),
};

describe('statements sent with the COMMIT (real PostgreSQL)', () => {
  const t = useSystem('embedded');
  let sql: Sql;
  const committed: string[] = [];
  const db = () => openDatabase(sql, { sendWrites: sendWithCommit, onCommit: { pipelined: () => committed.push('committed') } });

  before(async () => {
    // One connection, so the temporary table is there for every transaction of the test.
    sql = postgres(t.system.databaseUrl('orders'), { max: 1, onnotice: () => {} });
    await sql`CREATE TEMPORARY TABLE pipelined (id int PRIMARY KEY)`;
  });
  after(() => sql?.end());

  test('given a last statement that fails, when the transaction ends, then it fails with that error and nothing it wrote is committed', async () => {
    await assert.rejects(
      db().transaction(async (tx) => {
        await tx`INSERT INTO pipelined (id) VALUES (1)`;
        queueForCommit(tx, pipelinedInsert, ['1']);
      }),
      (error: { code?: string }) => error.code === '23505',
    );
    assert.equal((await sql`SELECT id FROM pipelined`).length, 0, 'the COMMIT behind the failed statement rolled back');
    assert.deepEqual(committed, [], 'no commit signal for a transaction that did not commit');
  });

  test('given last statements that succeed, when the transaction ends, then they and what came before are committed, in order', async () => {
    await db().transaction(async (tx) => {
      await tx`INSERT INTO pipelined (id) VALUES (2)`;
      queueForCommit(tx, pipelinedInsert, ['3', 'next']);
    });
    assert.deepEqual((await sql<{ id: number }[]>`SELECT id FROM pipelined ORDER BY id`).map((row) => row.id), [2, 3, 4]);
    assert.deepEqual(committed, ['committed']);
  });
});
