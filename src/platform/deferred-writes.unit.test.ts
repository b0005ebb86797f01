import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Tx } from './db.ts';
import { writeInTransaction, writingAtEnd } from './deferred-writes.ts';

// The deferred writes only use the transaction as a key and pass it on: any object stands in for one here.
const tx = () => ({}) as Tx;

describe('deferred writes', () => {
  test('given no writingAtEnd, when items are written, then the writer runs at once with them', async () => {
    const calls: string[][] = [];
    const writer = async (_tx: Tx, items: string[]) => void calls.push(items);
    await writeInTransaction(tx(), writer, ['a']);
    assert.deepEqual(calls, [['a']]);
  });

  test('given writingAtEnd, when several handlers write, then each writer runs once at the end with every item, in order', async () => {
    const t = tx();
    const outbox: string[][] = [];
    const notify: number[][] = [];
    const writeOutbox = async (_tx: Tx, items: string[]) => void outbox.push(items);
    const writeNotify = async (_tx: Tx, items: number[]) => void notify.push(items);
    const result = await writingAtEnd(t, async () => {
      await writeInTransaction(t, writeOutbox, ['e1']);
      await writeInTransaction(t, writeNotify, [1]);
      await writeInTransaction(t, writeOutbox, ['e2', 'e3']);
      assert.deepEqual(outbox, [], 'nothing is written while the work runs');
      return 'done';
    });
    assert.equal(result, 'done');
    assert.deepEqual(outbox, [['e1', 'e2', 'e3']]);
    assert.deepEqual(notify, [[1]]);
  });

  test('given writingAtEnd, when the work throws, then nothing is written, and the transaction writes at once afterwards', async () => {
    const t = tx();
    const calls: string[][] = [];
    const writer = async (_tx: Tx, items: string[]) => void calls.push(items);
    await assert.rejects(
      writingAtEnd(t, async () => {
        await writeInTransaction(t, writer, ['lost']);
        throw new Error('handler failed');
      }),
      /handler failed/,
    );
    assert.deepEqual(calls, []);
    await writeInTransaction(t, writer, ['later']);
    assert.deepEqual(calls, [['later']]);
  });
});
