import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Sql, type Tx, type CommitWrite, openDatabase, queueForCommit } from '../database/index.ts';
import { sendWithCommit } from './commit-pipelining.ts';

/** sql.begin as postgres.js runs it: the work gets a transaction; a throw rolls back and rejects. */
const fakeSql = () => ({ begin: async (work: (tx: Tx) => Promise<unknown>) => work({} as Tx) }) as unknown as Sql;
const writeOf = (statement: Promise<unknown>): CommitWrite<string> => ({ name: 'outbox', statements: () => [statement] });

describe('statements sent with the COMMIT', () => {
  test('given a statement sent with the COMMIT, when it fails, then the transaction fails with its error and no onCommit is called', async () => {
    const log: string[] = [];
    const db = openDatabase(fakeSql(), { sendWrites: sendWithCommit, onCommit: { outbox: () => log.push('relay woken') } });
    await assert.rejects(
      db.transaction(async (tx) => queueForCommit(tx, writeOf(Promise.reject(new Error('outbox insert failed'))), ['e1'])),
      /outbox insert failed/,
    );
    assert.deepEqual(log, []);
  });

  test('given a statement sent with the COMMIT, when it succeeds, then the transaction resolves only after it, then calls onCommit', async () => {
    const log: string[] = [];
    const db = openDatabase(fakeSql(), { sendWrites: sendWithCommit, onCommit: { outbox: () => log.push('relay woken') } });
    const { promise, resolve } = Promise.withResolvers<void>();
    const statement = promise.then(() => log.push('statement done'));
    const done = db.transaction(async (tx) => queueForCommit(tx, writeOf(statement), ['e1']));
    await new Promise((later) => setImmediate(later));
    assert.deepEqual(log, [], 'not before the statement is answered');
    resolve();
    await done;
    assert.deepEqual(log, ['statement done', 'relay woken']);
  });
});
