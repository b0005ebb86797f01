import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Sql, Tx } from './connection.ts';
import { type CommitWrite, openDatabase, queueForCommit } from './transactions.ts';

/** sql.begin as postgres.js runs it: the work gets a transaction; a throw rolls back and rejects. */
const fakeSql = () => ({ begin: async (work: (tx: Tx) => Promise<unknown>) => work({} as Tx) }) as unknown as Sql;

/** A write that records what it was asked to write; its statement fails when told to. */
function recordingWrite(log: string[], fail = false): CommitWrite<string> {
  return {
    name: 'outbox',
    statements: (_tx, items) => {
      log.push(`write ${items.join(',')}`);
      return [fail ? Promise.reject(new Error('outbox insert failed')) : Promise.resolve()];
    },
  };
}

describe('Database.transaction', () => {
  test('given work that queued items for one write, when it commits, then the write is made once with all of them, after the work', async () => {
    const log: string[] = [];
    const write = recordingWrite(log);
    const db = openDatabase(fakeSql());
    await db.transaction(async (tx) => {
      queueForCommit(tx, write, ['e1']);
      queueForCommit(tx, write, ['e2', 'e3']);
      log.push('work done');
    });
    assert.deepEqual(log, ['work done', 'write e1,e2,e3']);
  });

  test('given a transaction that queued items, when it commits, then the write’s onCommit is called once, after the write', async () => {
    const log: string[] = [];
    const write = recordingWrite(log);
    const db = openDatabase(fakeSql(), { onCommit: { outbox: () => log.push('relay woken') } });
    await db.transaction(async (tx) => {
      queueForCommit(tx, write, ['e1']);
      queueForCommit(tx, write, ['e2']);
    });
    assert.deepEqual(log, ['write e1,e2', 'relay woken']);
  });

  test('given a transaction that queued nothing, when it commits, then no onCommit is called', async () => {
    const log: string[] = [];
    const db = openDatabase(fakeSql(), { onCommit: { outbox: () => log.push('relay woken') } });
    await db.transaction(async () => {});
    assert.deepEqual(log, []);
  });

  test('given work that fails, when it rolls back, then nothing is written and no onCommit is called', async () => {
    const log: string[] = [];
    const write = recordingWrite(log);
    const db = openDatabase(fakeSql(), { onCommit: { outbox: () => log.push('relay woken') } });
    await assert.rejects(
      db.transaction(async (tx) => {
        queueForCommit(tx, write, ['e1']);
        throw new Error('rolled back');
      }),
      /rolled back/,
    );
    assert.deepEqual(log, []);
  });

  test('given a write whose statement fails, when the transaction ends, then it fails with that error and no onCommit is called', async () => {
    const log: string[] = [];
    const db = openDatabase(fakeSql(), { onCommit: { outbox: () => log.push('relay woken') } });
    await assert.rejects(db.transaction(async (tx) => queueForCommit(tx, recordingWrite(log, true), ['e1'])), /outbox insert failed/);
    assert.deepEqual(log, ['write e1']);
  });

  test('given a transaction not started by a Database, when items are queued, then it is an error, not a lost write', () => {
    assert.throws(() => queueForCommit({} as Tx, recordingWrite([]), ['e1']), /not started by Database.transaction/);
  });
});
