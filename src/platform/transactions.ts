import type { Sql, Tx } from './db.ts';

/** What a transaction can ask to happen once it has committed. */
export type CommitSignal = 'outbox-appended';

/** A service's database: plain queries, and transactions that deliver their commit signals. */
export interface Database {
  sql: Sql;
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

/** The signals raised in each open transaction started by a Database. */
const raised = new WeakMap<Tx, Set<CommitSignal>>();
/** The statements each open transaction sends with its COMMIT (sendWithCommit). */
const withCommit = new WeakMap<Tx, Promise<unknown>[]>();

/**
 * Transactions on `sql` whose side effects of committing are explicit: the work raises signals (afterCommit), and
 * once COMMIT has succeeded each raised signal is handled once, by `handlers`. A rolled-back transaction raises none.
 * A transaction succeeds only if the statements it sent with its COMMIT (sendWithCommit) succeeded too.
 */
export function openDatabase(sql: Sql, handlers: Record<CommitSignal, () => void>): Database {
  return {
    sql,
    async transaction(work) {
      const signals = new Set<CommitSignal>();
      const sentLast: Promise<unknown>[] = [];
      const result = await sql.begin((tx) => {
        raised.set(tx, signals);
        withCommit.set(tx, sentLast);
        return work(tx);
      });
      // One of them failed: PostgreSQL took the COMMIT behind it for a ROLLBACK (a failed transaction can only end so).
      await Promise.all(sentLast);
      for (const signal of signals) handlers[signal]();
      return result as Awaited<ReturnType<typeof work>>;
    },
  };
}

/** Asks for `signal` to be handled once the transaction commits. */
export function afterCommit(tx: Tx, signal: CommitSignal): void {
  const signals = raised.get(tx);
  if (!signals) throw new Error(`afterCommit(${signal}): the transaction was not started by Database.transaction()`);
  signals.add(signal);
}

/**
 * For a statement whose result the work does not wait for, sent as the work's last: the COMMIT follows it on the same
 * connection at once, and both share one round trip instead of two. `statement` must already be sent (a postgres.js
 * query is, once awaited or caught); if it fails, the COMMIT behind it becomes a ROLLBACK, and the transaction fails
 * with its error. The work must not send anything after it.
 */
export function sendWithCommit(tx: Tx, statement: Promise<unknown>): void {
  const sentLast = withCommit.get(tx);
  if (!sentLast) throw new Error('sendWithCommit: the transaction was not started by Database.transaction()');
  statement.catch(() => {}); // its failure is the transaction's, reported after the COMMIT
  sentLast.push(statement);
}
