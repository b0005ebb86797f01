import type { Sql, Tx } from '../../platform/db.ts';
import type { Order } from './contract.ts';

const CHANNEL = 'order_final';

/** What the announcement carries: the final state, so a woken request needs no second read. */
type Finality = Pick<Order, 'id' | 'status' | 'reason' | 'updatedAt'>;

/** Announces, at commit, that an order became final: every replica's waiting requests wake up. */
export async function announceFinal(tx: Tx, order: Order): Promise<void> {
  const finality: Finality = { id: order.id, status: order.status, reason: order.reason, updatedAt: order.updatedAt };
  await tx`SELECT pg_notify(${CHANNEL}, ${JSON.stringify(finality)})`;
}

export interface FinalityWatcher {
  /**
   * Reads the order (after subscribing, so an announcement cannot slip between the read and the wait); while it is
   * pending, waits for its announcement or `seconds`, whichever comes first, and answers with the order as it is then.
   */
  whenFinal(orderId: string, seconds: number, read: () => Promise<Order>): Promise<Order>;
  close(): Promise<void>;
}

/** `undefined`: "read it again" (the listening connection was replaced and may have missed announcements). */
type Wake = (finality: Finality | undefined) => void;

/** Long-polling without polling: requests with `Prefer: wait` sleep until the NOTIFY for their order. */
export async function watchFinality(sql: Sql): Promise<FinalityWatcher> {
  const waiters = new Map<string, Set<Wake>>();
  const listener = await sql.listen(
    CHANNEL,
    (payload) => {
      const finality = parseFinality(payload);
      if (finality) for (const wake of waiters.get(finality.id) ?? []) wake(finality);
    },
    // Called on every (re)connect of the listening connection: whoever waits reads again.
    () => {
      for (const set of waiters.values()) for (const wake of set) wake(undefined);
    },
  );
  return {
    async whenFinal(orderId, seconds, read) {
      let wake: Wake = () => {};
      const announced = new Promise<Finality | undefined>((resolve) => (wake = resolve));
      const set = waiters.get(orderId) ?? new Set();
      waiters.set(orderId, set.add(wake));
      let timer: NodeJS.Timeout | undefined;
      try {
        const order = await read();
        if (order.status !== 'pending') return order;
        const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), seconds * 1000)));
        const finality = await Promise.race([announced, timeout]);
        if (!finality) return read();
        const { reason, ...rest } = order;
        return { ...rest, status: finality.status, ...(finality.reason ? { reason: finality.reason } : {}), updatedAt: finality.updatedAt };
      } finally {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0) waiters.delete(orderId);
      }
    },
    async close() {
      for (const set of waiters.values()) for (const wake of set) wake(undefined);
      await listener.unlisten().catch(() => {});
    },
  };
}

function parseFinality(payload: string): Finality | undefined {
  try {
    const finality = JSON.parse(payload) as Finality;
    return typeof finality?.id === 'string' && (finality.status === 'paid' || finality.status === 'rejected') ? finality : undefined;
  } catch {
    return undefined;
  }
}

const MAX_WAIT_SECONDS = 30;

/** Reads RFC 7240 `Prefer: wait=N`; returns the seconds to wait (capped at 30), or 0. */
export function preferredWait(header: string | string[] | undefined): number {
  const match = typeof header === 'string' ? /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i.exec(header) : null;
  return match ? Math.min(Number(match[1]), MAX_WAIT_SECONDS) : 0;
}
