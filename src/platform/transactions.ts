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

/**
 * Transactions on `sql` whose side effects of committing are explicit: the work raises signals (afterCommit), and
 * once COMMIT has succeeded each raised signal is handled once, by `handlers`. A rolled-back transaction raises none.
 */
export function openDatabase(sql: Sql, handlers: Record<CommitSignal, () => void>): Database {
  return {
    sql,
    async transaction(work) {
      const signals = new Set<CommitSignal>();
      const result = await sql.begin((tx) => {
        raised.set(tx, signals);
        return work(tx);
      });
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
