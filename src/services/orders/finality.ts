import type { Sql, Tx } from '../../platform/db.ts';

const CHANNEL = 'order_final';

/** Announces, at commit, that an order became final: every replica's waiting requests wake up. */
export async function announceFinal(tx: Tx, orderId: string): Promise<void> {
  await tx`SELECT pg_notify(${CHANNEL}, ${orderId})`;
}

export interface FinalityWatcher {
  /** Resolves when the order is announced final or after `seconds`, whichever comes first. */
  waitFor(orderId: string, seconds: number, isFinal: () => Promise<boolean>): Promise<void>;
  close(): Promise<void>;
}

/** Long-polling without polling: requests with `Prefer: wait` sleep until the NOTIFY for their order. */
export async function watchFinality(sql: Sql): Promise<FinalityWatcher> {
  const waiters = new Map<string, Set<() => void>>();
  const listener = await sql.listen(CHANNEL, (orderId) => {
    for (const wake of waiters.get(orderId) ?? []) wake();
  });
  return {
    async waitFor(orderId, seconds, isFinal) {
      let wake = () => {};
      const announced = new Promise<void>((resolve) => (wake = resolve));
      const set = waiters.get(orderId) ?? new Set();
      waiters.set(orderId, set.add(wake));
      let timer: NodeJS.Timeout | undefined;
      try {
        // Checked after subscribing, so an announcement cannot slip between the check and the wait.
        if (await isFinal()) return;
        await Promise.race([announced, new Promise((resolve) => (timer = setTimeout(resolve, seconds * 1000)))]);
      } finally {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0) waiters.delete(orderId);
      }
    },
    async close() {
      for (const set of waiters.values()) for (const wake of set) wake();
      await listener.unlisten().catch(() => {});
    },
  };
}

const MAX_WAIT_SECONDS = 30;

/** Reads RFC 7240 `Prefer: wait=N`; returns the seconds to wait (capped at 30), or 0. */
export function preferredWait(header: string | string[] | undefined): number {
  const match = typeof header === 'string' ? /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i.exec(header) : null;
  return match ? Math.min(Number(match[1]), MAX_WAIT_SECONDS) : 0;
}
