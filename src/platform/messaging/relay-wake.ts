import type { Sql } from '../database/index.ts';

/** The channel on which processes without the leading relay tell it that rows were committed. */
export const RELAY_CHANNEL = 'outbox';

/** Tells the relay of the database, wherever it runs, that rows were committed. */
export async function wakeRelay(sql: Sql): Promise<void> {
  await sql`SELECT pg_notify(${RELAY_CHANNEL}, '')`;
}

/**
 * What a commit that appended to the outbox does: wake the process's own relay when it leads (no database work at
 * all), otherwise the leader elsewhere, by a NOTIFY sent after the commit. Those are coalesced: while one is on its
 * way, later commits share the one sent after it. A NOTIFY inside each transaction (a trigger) would do the same,
 * but PostgreSQL serialises the commits of notifying transactions on one lock. A process that ends between a
 * commit and its wake leaves the rows to the relay's safety poll.
 */
export function relayWaker(sql: Sql, localRelay: () => { wake(): boolean } | undefined): () => void {
  let notifying = false;
  let notifyAgain = false;
  const notify = () => {
    if (notifying) {
      notifyAgain = true;
      return;
    }
    notifying = true;
    wakeRelay(sql)
      .catch(() => {}) // the database is away: the relay's safety poll reads the rows when it is back
      .finally(() => {
        notifying = false;
        if (notifyAgain) {
          notifyAgain = false;
          notify();
        }
      });
  };
  return () => {
    if (!localRelay()?.wake()) notify();
  };
}
