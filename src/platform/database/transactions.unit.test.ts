import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Sql, Tx } from './connection.ts';
import { afterCommit, openDatabase, sendWithCommit } from './transactions.ts';

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

  test('given a statement sent with the COMMIT, when it fails, then the transaction fails with its error and its signals are not handled', async () => {
    const events: string[] = [];
    const db = openDatabase(fakeSql(), { 'outbox-appended': () => events.push('relay woken') });
    await assert.rejects(
      db.transaction(async (tx) => {
        afterCommit(tx, 'outbox-appended');
        sendWithCommit(tx, Promise.reject(new Error('outbox insert failed')));
      }),
      /outbox insert failed/,
    );
    assert.deepEqual(events, []);
  });

  test('given a statement sent with the COMMIT, when it succeeds, then the transaction resolves after it, and then the signals are handled', async () => {
    const events: string[] = [];
    const db = openDatabase(fakeSql(), { 'outbox-appended': () => events.push('relay woken') });
    let answer = () => {};
    const statement = new Promise<void>((resolve) => (answer = resolve)).then(() => events.push('statement done'));
    const done = db.transaction(async (tx) => {
      afterCommit(tx, 'outbox-appended');
      sendWithCommit(tx, statement);
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(events, [], 'not before the statement is answered');
    answer();
    await done;
    assert.deepEqual(events, ['statement done', 'relay woken']);
  });

  test('given a transaction not started by a Database, when it raises a signal, then it is an error, not a lost wake-up', () => {
    assert.throws(() => afterCommit({} as Tx, 'outbox-appended'), /not started by Database.transaction/);
  });
});
