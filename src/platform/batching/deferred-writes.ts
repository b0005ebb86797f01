import type { Tx } from '../database/connection.ts';
import { sendWithCommit } from '../database/transactions.ts';

/**
 * Writes many items in one statement: outbox rows in one INSERT, order announcements in one NOTIFY. It sends its
 * statements before its first await, so that at the end of `writingAtEnd` they leave ahead of the COMMIT.
 */
export type Writer<T> = (tx: Tx, items: T[]) => Promise<unknown>;

/** Transactions inside `writingAtEnd`: per writer, the items waiting for the end of the work. */
const waiting = new WeakMap<Tx, Map<Writer<never>, unknown[]>>();

/**
 * Writes `items` in `tx` with `writer`: at once, or, inside `writingAtEnd`, together with every other item of that
 * writer when the work is done. Only for writes whose result the caller does not need.
 */
export async function writeInTransaction<T>(tx: Tx, writer: Writer<T>, items: T[]): Promise<void> {
  const later = waiting.get(tx);
  if (!later) {
    await writer(tx, items);
    return;
  }
  const list = later.get(writer as Writer<never>) ?? [];
  later.set(writer as Writer<never>, list);
  list.push(...items);
}

/**
 * Runs `work` in `tx` (a Database transaction) with its `writeInTransaction`s held back to the end, in the order
 * they were made: each writer is then called once, and all are sent with the COMMIT (sendWithCommit). Twenty
 * handlers in one transaction (a consumer's batch) then cost one outbox INSERT and one NOTIFY, in the round trip of
 * the COMMIT.
 */
export async function writingAtEnd<T>(tx: Tx, work: () => Promise<T>): Promise<T> {
  const later = new Map<Writer<never>, unknown[]>();
  waiting.set(tx, later);
  try {
    const result = await work();
    for (const [writer, items] of later) sendWithCommit(tx, writer(tx, items as never[]));
    return result;
  } finally {
    waiting.delete(tx);
  }
}
