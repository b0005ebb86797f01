import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Sql, Tx } from '../database/connection.ts';
import { writeInTransaction, writingAtEnd } from './deferred-writes.ts';
import { openDatabase } from '../database/transactions.ts';

// The deferred writes only use the transaction as a key and pass it on: any object stands in for one here.
const tx = () => ({}) as Tx;
/** Database.transaction around sql.begin as postgres.js runs it (the work gets a transaction; a throw rejects). */
const db = openDatabase({ begin: async (work: (tx: Tx) => Promise<unknown>) => work(tx()) } as unknown as Sql, { 'outbox-appended': () => {} });

describe('deferred writes', () => {
  test('given no writingAtEnd, when items are written, then the writer runs at once with them', async () => {
    const calls: string[][] = [];
    const writer = async (_tx: Tx, items: string[]) => void calls.push(items);
    await writeInTransaction(tx(), writer, ['a']);
    assert.deepEqual(calls, [['a']]);
  });

  test('given writingAtEnd, when several handlers write, then each writer runs once at the end with every item, in order', async () => {
    const outbox: string[][] = [];
    const notify: number[][] = [];
    const writeOutbox = async (_tx: Tx, items: string[]) => void outbox.push(items);
    const writeNotify = async (_tx: Tx, items: number[]) => void notify.push(items);
    const result = await db.transaction((t) =>
      writingAtEnd(t, async () => {
        await writeInTransaction(t, writeOutbox, ['e1']);
        await writeInTransaction(t, writeNotify, [1]);
        await writeInTransaction(t, writeOutbox, ['e2', 'e3']);
        assert.deepEqual(outbox, [], 'nothing is written while the work runs');
        return 'done';
      }),
    );
    assert.equal(result, 'done');
    assert.deepEqual(outbox, [['e1', 'e2', 'e3']]);
    assert.deepEqual(notify, [[1]]);
  });

  test('given writingAtEnd, when the writes at the end fail, then the transaction fails with their error', async () => {
    const failing = async () => Promise.reject(new Error('duplicate key'));
    await assert.rejects(
      db.transaction((t) => writingAtEnd(t, () => writeInTransaction(t, failing, ['e1']))),
      /duplicate key/,
    );
  });

  test('given writingAtEnd, when the work throws, then nothing is written, and the transaction writes at once afterwards', async () => {
    const calls: string[][] = [];
    const writer = async (_tx: Tx, items: string[]) => void calls.push(items);
    await db.transaction(async (t) => {
      await assert.rejects(
        writingAtEnd(t, async () => {
          await writeInTransaction(t, writer, ['lost']);
          throw new Error('handler failed');
        }),
        /handler failed/,
      );
      assert.deepEqual(calls, []);
      await writeInTransaction(t, writer, ['later']);
    });
    assert.deepEqual(calls, [['later']]);
  });
});
