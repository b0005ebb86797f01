import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Sql, Tx } from './db.ts';
import { afterCommit, openDatabase } from './transactions.ts';

/** sql.begin as postgres.js runs it: the work gets a transaction; a throw rolls back and rejects. */
const fakeSql = () => ({ begin: async (work: (tx: Tx) => Promise<unknown>) => work({} as Tx) }) as unknown as Sql;

describe('Database.transaction', () => {
  test('given a transaction that appended to the outbox, when it commits, then the signal is handled once, after the work', async () => {
    const events: string[] = [];
    const db = openDatabase(fakeSql(), { 'outbox-appended': () => events.push('relay woken') });
    await db.transaction(async (tx) => {
      afterCommit(tx, 'outbox-appended');
      afterCommit(tx, 'outbox-appended');
      events.push('work done');
    });
    assert.deepEqual(events, ['work done', 'relay woken']);
  });

  test('given a transaction that fails, when it rolls back, then its signals are not handled', async () => {
    const events: string[] = [];
    const db = openDatabase(fakeSql(), { 'outbox-appended': () => events.push('relay woken') });
    await assert.rejects(
      db.transaction(async (tx) => {
        afterCommit(tx, 'outbox-appended');
        throw new Error('rolled back');
      }),
    );
    assert.deepEqual(events, []);
  });

  test('given a transaction not started by a Database, when it raises a signal, then it is an error, not a lost wake-up', () => {
    assert.throws(() => afterCommit({} as Tx, 'outbox-appended'), /not started by Database.transaction/);
  });
});
