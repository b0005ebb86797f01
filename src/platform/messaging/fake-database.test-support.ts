/**
 * A stand-in for a service's database in unit tests of the messaging kernel: it answers the statements the kernel
 * sends (the inbox insert, the dead-letter insert) from memory and records them, so that what is under test — the
 * decisions around the statements — runs in milliseconds.
 */
import type { Database, Sql, Tx } from '../database/index.ts';

export interface FakeDatabase extends Database {
  /** The statements sent, as their SQL text with `$` for each value, and the values. */
  statements: { text: string; values: unknown[] }[];
  /** The ids the inbox holds. */
  inbox: Set<string>;
  transactions: { committed: number; rolledBack: number };
  /** When set, every statement fails with this error (an unreachable database, say). */
  failWith?: unknown;
}

export function fakeDatabase(): FakeDatabase {
  const db = {
    statements: [],
    inbox: new Set<string>(),
    transactions: { committed: 0, rolledBack: 0 },
  } as unknown as FakeDatabase;
  /** A client whose inbox inserts are recorded in `inserted`, so that its transaction can undo them. */
  const client = (inserted: string[]) => {
    const run = (strings: TemplateStringsArray, ...values: unknown[]) => {
      const text = strings.join('$').replace(/\s+/g, ' ').trim();
      db.statements.push({ text, values });
      if (db.failWith) return Promise.reject(db.failWith);
      if (!text.startsWith('INSERT INTO inbox')) return Promise.resolve([]);
      const ids = (values[0] as string[]).filter((id) => !db.inbox.has(id));
      for (const id of ids) db.inbox.add(id);
      inserted.push(...ids);
      return Promise.resolve(ids.map((event_id) => ({ event_id })));
    };
    return Object.assign(run, { json: (value: unknown) => value });
  };
  db.sql = client([]) as unknown as Sql;
  db.transaction = async <T>(work: (tx: Tx) => Promise<T>): Promise<T> => {
    const inserted: string[] = [];
    try {
      const result = await work(client(inserted) as unknown as Tx);
      db.transactions.committed++;
      return result;
    } catch (error) {
      for (const id of inserted) db.inbox.delete(id);
      db.transactions.rolledBack++;
      throw error;
    }
  };
  return db;
}
