import type { Sql, Tx } from './connection.ts';

/**
 * A write that the pieces of work in one transaction add items to, and that the transaction makes once, when the
 * work is done: the outbox's INSERT (messaging/outbox.ts), the NOTIFY of orders made final. Twenty event handlers
 * sharing a transaction then cost one INSERT, and every write of a transaction reaches the database before it commits.
 */
export interface CommitWrite<T> {
  /** What the write is; `onCommit` handlers are keyed by it. */
  name: string;
  /**
   * The statements that write `items`. Synchronous by its type: it only builds and sends them, so none can be sent
   * after the COMMIT (a write that awaited something first could be).
   */
  statements(tx: Tx, items: T[]): Promise<unknown>[];
}

/**
 * How a transaction sends the statements of its writes at its end. It resolves with a check to run once the COMMIT
 * is answered, which throws when one of them failed. The plain way (`sendBeforeCommit`) awaits them, then commits;
 * the batching layer sends them with the COMMIT in one round trip (batching/commit-pipelining.ts).
 */
export type SendWrites = (statements: Promise<unknown>[]) => Promise<() => Promise<void>>;

export const sendBeforeCommit: SendWrites = async (statements) => {
  await Promise.all(statements);
  return async () => {};
};

/** A service's database: plain queries, and transactions that make their queued writes and then say they committed. */
export interface Database {
  sql: Sql;
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

export interface DatabaseOptions {
  /** Per write name: called once after each commit of a transaction that queued items for that write (never after a rollback). */
  onCommit?: Record<string, () => void>;
  /** How the writes meet the COMMIT; `sendBeforeCommit` unless the batching layer says otherwise. */
  sendWrites?: SendWrites;
}

/** The items each open transaction queued, per write. */
type QueuedWrites = Map<CommitWrite<never>, unknown[]>;
const queuedWritesOf = new WeakMap<Tx, QueuedWrites>();

/**
 * Queues `items` for `write` in `tx`: they are written with every other item queued for that write, in the order
 * queued, by one call of its `statements` at the end of the transaction. Nothing is written if the work fails.
 */
export function queueForCommit<T>(tx: Tx, write: CommitWrite<T>, items: T[]): void {
  const queued = queuedWritesOf.get(tx);
  if (!queued) throw new Error(`${write.name}: the transaction was not started by Database.transaction()`);
  const list = queued.get(write as CommitWrite<never>) ?? [];
  queued.set(write as CommitWrite<never>, list);
  list.push(...items);
}

/** Transactions on `sql` that make their queued writes before they end, and then call the writes' `onCommit`. */
export function openDatabase(sql: Sql, options: DatabaseOptions = {}): Database {
  const send = options.sendWrites ?? sendBeforeCommit;
  return {
    sql,
    async transaction(work) {
      const queued: QueuedWrites = new Map();
      let verify = async () => {};
      const result = await sql.begin(async (tx) => {
        queuedWritesOf.set(tx, queued);
        const result = await work(tx);
        const statements = [...queued].flatMap(([write, items]) => write.statements(tx, items as never[]));
        verify = await send(statements);
        return result;
      });
      await verify();
      for (const write of queued.keys()) options.onCommit?.[write.name]?.();
      return result as Awaited<ReturnType<typeof work>>;
    },
  };
}
