import type { Sql, Tx } from './connection.ts';

/** What a transaction can ask to happen once it has committed. */
export type CommitSignal = 'outbox-appended';

/** A service's database: plain queries, and transactions that deliver their commit signals. */
export interface Database {
  sql: Sql;
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

/** What each open transaction started by a Database carries to its end: signals raised, statements sent with its COMMIT. */
interface Open {
  signals: Set<CommitSignal>;
  sentLast: Promise<unknown>[];
}
const open = new WeakMap<Tx, Open>();

function openOf(tx: Tx, caller: string): Open {
  const state = open.get(tx);
  if (!state) throw new Error(`${caller}: the transaction was not started by Database.transaction()`);
  return state;
}

/**
 * Transactions on `sql` whose side effects of committing are explicit: the work raises signals (afterCommit), and
 * once COMMIT has succeeded each raised signal is handled once, by `handlers`. A rolled-back transaction raises none.
 * A transaction succeeds only if the statements it sent with its COMMIT (sendWithCommit) succeeded too.
 */
export function openDatabase(sql: Sql, handlers: Record<CommitSignal, () => void>): Database {
  return {
    sql,
    async transaction(work) {
      const state: Open = { signals: new Set(), sentLast: [] };
      const result = await sql.begin((tx) => {
        open.set(tx, state);
        return work(tx);
      });
      // One of them failed: PostgreSQL took the COMMIT behind it for a ROLLBACK (a failed transaction can only end so).
      await Promise.all(state.sentLast);
      for (const signal of state.signals) handlers[signal]();
      return result as Awaited<ReturnType<typeof work>>;
    },
  };
}

/** Asks for `signal` to be handled once the transaction commits. */
export function afterCommit(tx: Tx, signal: CommitSignal): void {
  openOf(tx, `afterCommit(${signal})`).signals.add(signal);
}

/**
 * For a statement whose result the work does not wait for, sent as the work's last: the COMMIT follows it on the same
 * connection at once, and both share one round trip instead of two. `statement` must already be sent (a postgres.js
 * query is, once awaited or caught); if it fails, the COMMIT behind it becomes a ROLLBACK, and the transaction fails
 * with its error. The work must not send anything after it.
 */
export function sendWithCommit(tx: Tx, statement: Promise<unknown>): void {
  const { sentLast } = openOf(tx, 'sendWithCommit');
  statement.catch(() => {}); // its failure is the transaction's, reported after the COMMIT
  sentLast.push(statement);
}
