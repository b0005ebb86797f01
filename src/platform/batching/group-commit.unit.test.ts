import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Tx, Database } from '../database/index.ts';
import { groupCommit } from './group-commit.ts';
import { createMetrics } from '../observability/index.ts';

/** A database whose transactions only run the work: what is under test is how writes are grouped. */
function fakeDatabase(): Database & { transactions: number } {
  const db = {
    transactions: 0,
    sql: undefined as never,
    async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
      db.transactions++;
      return work({} as Tx);
    },
  };
  return db;
}

describe('groupCommit', () => {
  test('given writes made together, when they are committed, then they share one transaction and each gets its own result', async () => {
    const db = fakeDatabase();
    const groups: string[][] = [];
    const place = groupCommit('test', db, createMetrics('test'), async (_tx, items: string[]) => {
      groups.push(items);
      return items.map((item) => `${item} placed`);
    });
    assert.deepEqual(await Promise.all(['a', 'b', 'c'].map(place)), ['a placed', 'b placed', 'c placed']);
    assert.deepEqual(groups, [['a', 'b', 'c']]);
    assert.equal(db.transactions, 1);
  });

  test('given a group with one bad item, when its transaction fails, then each item is written again alone and only the bad one fails', async () => {
    const db = fakeDatabase();
    const place = groupCommit('test', db, createMetrics('test'), async (_tx, items: string[]) => {
      if (items.includes('bad')) throw new Error('bad item');
      return items.map((item) => `${item} placed`);
    });
    const results = await Promise.allSettled(['a', 'bad', 'c'].map(place));
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : 'failed')),
      ['a placed', 'failed', 'c placed'],
    );
    assert.equal(db.transactions, 4, 'the group, then each of its three items alone');
  });

  test('given a group, when the database is unreachable, then every item fails at once, without being written again alone', async () => {
    const db = fakeDatabase();
    const place = groupCommit('test', db, createMetrics('test'), async () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    });
    const results = await Promise.allSettled(['a', 'b'].map(place));
    assert.ok(results.every((r) => r.status === 'rejected'));
    assert.equal(db.transactions, 1);
  });
});
