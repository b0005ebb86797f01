import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Sql } from '../database/index.ts';
import { relayWaker } from './relay-wake.ts';

/** A database whose NOTIFYs are counted and answered when the test says so. */
function notifyingSql() {
  const pending: (() => void)[] = [];
  let sent = 0;
  const sql = (() => {
    sent++;
    return new Promise<void>((resolve) => pending.push(resolve));
  }) as unknown as Sql;
  return { sql, sent: () => sent, answer: () => pending.shift()?.() };
}

describe('waking the relay after a commit', () => {
  test('given the relay leads in this process, when a commit appended to the outbox, then it is woken directly, with no NOTIFY', () => {
    const db = notifyingSql();
    let woken = 0;
    const localRelay = {
      wake: () => {
        woken++;
        return true;
      },
    };
    relayWaker(db.sql, () => localRelay)();
    assert.equal(woken, 1);
    assert.equal(db.sent(), 0);
  });

  test('given the relay leads elsewhere, when commits come while a NOTIFY is on its way, then they share the one sent after it', async () => {
    const db = notifyingSql();
    const wake = relayWaker(db.sql, () => undefined);
    wake();
    wake();
    wake();
    assert.equal(db.sent(), 1, 'one on its way');
    db.answer();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(db.sent(), 2, 'the later commits share one more');
    db.answer();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(db.sent(), 2, 'and nothing after that');
  });
});
