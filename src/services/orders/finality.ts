import type { Sql, Tx } from '../../platform/database/connection.ts';
import { writeInTransaction } from '../../platform/batching/deferred-writes.ts';
import type { Order } from './contract.ts';

const CHANNEL = 'order_final';

/** What the announcement carries: the final state, so a woken request needs no second read. */
type Finality = Pick<Order, 'id' | 'status' | 'reason' | 'updatedAt'>;

/** NOTIFY payloads must stay under 8000 bytes; an announcement is ~110. */
const MAX_PAYLOAD = 7_000;

/**
 * Announces, at commit, that an order became final: every replica's waiting requests wake up. The orders made
 * final by one consumer batch are announced together, a JSON array per NOTIFY.
 */
export async function announceFinal(tx: Tx, order: Order): Promise<void> {
  const finality: Finality = { id: order.id, status: order.status, reason: order.reason, updatedAt: order.updatedAt };
  await writeInTransaction(tx, notifyFinal, [finality]);
}

async function notifyFinal(tx: Tx, finalities: Finality[]): Promise<void> {
  const payloads: string[] = [];
  let chunk: string[] = [];
  let size = 2;
  for (const json of finalities.map((f) => JSON.stringify(f))) {
    if (chunk.length > 0 && size + json.length + 1 > MAX_PAYLOAD) {
      payloads.push(`[${chunk.join(',')}]`);
      chunk = [];
      size = 2;
    }
    chunk.push(json);
    size += json.length + 1;
  }
  if (chunk.length > 0) payloads.push(`[${chunk.join(',')}]`);
  await Promise.all(payloads.map((payload) => tx`SELECT pg_notify(${CHANNEL}, ${payload})`));
}

export interface FinalityWatcher {
  /** Starts listening for one order's announcement: before the order exists, nothing can be missed. */
  listen(orderId: string): Listening;
  /**
   * Reads the order (after listening, so an announcement cannot slip between the read and the wait); while it is
   * pending, waits for its announcement or `seconds`, whichever comes first, and answers with the order as it is then.
   */
  whenFinal(orderId: string, seconds: number, read: () => Promise<Order>): Promise<Order>;
  /** The service stops: every waiting request answers now, with the order as it knows it, and no new one waits. */
  close(): Promise<void>;
}

export interface Listening {
  /**
   * `known` (the order as read after listening began) once final, or as `read` finds it after `seconds`; at once,
   * as known, when the service stops.
   */
  final(known: Order, seconds: number, read: () => Promise<Order>): Promise<Order>;
  stop(): void;
}

/**
 * `undefined`: "read it again" (the listening connection was replaced and may have missed announcements);
 * `'closing'`: "answer now with what you know" (the service stops, and the database may be gone).
 */
type Wake = (finality: Finality | undefined | 'closing') => void;

/** Long-polling without polling: requests with `Prefer: wait` sleep until the NOTIFY for their order. */
export async function watchFinality(sql: Sql): Promise<FinalityWatcher> {
  const waiters = new Map<string, Set<Wake>>();
  let closing = false;
  const listener = await sql.listen(
    CHANNEL,
    (payload) => {
      for (const finality of parseFinalities(payload)) for (const wake of waiters.get(finality.id) ?? []) wake(finality);
    },
    // Called on every (re)connect of the listening connection: whoever waits reads again.
    () => {
      for (const set of waiters.values()) for (const wake of set) wake(undefined);
    },
  );
  const listen = (orderId: string): Listening => {
    let wake: Wake = () => {};
    const rearm = () => new Promise<Finality | undefined | 'closing'>((resolve) => (wake = resolve));
    let announced = rearm();
    // One entry per listening request, which wakes whatever it waits on now.
    const forward: Wake = (finality) => wake(finality);
    const set = waiters.get(orderId) ?? new Set();
    waiters.set(orderId, set.add(forward));
    return {
      async final(known, seconds, read) {
        const deadline = Date.now() + seconds * 1000;
        let order = known;
        while (order.status === 'pending' && !closing) {
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()), 'timeout')));
          const woken = await Promise.race([announced, timeout]).finally(() => clearTimeout(timer));
          if (woken === 'timeout') return read();
          if (woken === 'closing') return order;
          if (woken) return withFinality(order, woken);
          // The listening connection was replaced and may have missed the announcement: read again (listening for
          // the next one first), and wait on if it is still pending.
          announced = rearm();
          order = await read();
        }
        return order;
      },
      stop() {
        set.delete(forward);
        if (set.size === 0 && waiters.get(orderId) === set) waiters.delete(orderId);
      },
    };
  };
  return {
    listen,
    async whenFinal(orderId, seconds, read) {
      const listening = listen(orderId);
      try {
        return await listening.final(await read(), seconds, read);
      } finally {
        listening.stop();
      }
    },
    async close() {
      closing = true;
      for (const set of waiters.values()) for (const wake of set) wake('closing');
      // Not awaited: a database that hangs would hold the stop; the pool's end closes the listening connection anyway.
      listener.unlisten().catch(() => {});
    },
  };
}

function withFinality(order: Order, finality: Finality): Order {
  const { reason, ...rest } = order;
  return { ...rest, status: finality.status, ...(finality.reason ? { reason: finality.reason } : {}), updatedAt: finality.updatedAt };
}

function parseFinalities(payload: string): Finality[] {
  try {
    const parsed = JSON.parse(payload) as unknown;
    // A single object is what replicas of the previous version announce.
    const finalities = (Array.isArray(parsed) ? parsed : [parsed]) as Finality[];
    return finalities.filter((f) => typeof f?.id === 'string' && (f.status === 'paid' || f.status === 'rejected'));
  } catch {
    return [];
  }
}

const MAX_WAIT_SECONDS = 30;

/** Reads RFC 7240 `Prefer: wait=N`; returns the seconds to wait (capped at 30), or 0. */
export function preferredWait(header: string | string[] | undefined): number {
  const match = typeof header === 'string' ? /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i.exec(header) : null;
  return match ? Math.min(Number(match[1]), MAX_WAIT_SECONDS) : 0;
}
