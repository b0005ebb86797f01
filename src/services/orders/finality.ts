import { type CommitWrite, queueForCommit, type Sql, type Tx } from '../../platform/database/index.ts';
import type { Order } from './contract.ts';
import { isFinal } from './order-process.ts';

const CHANNEL = 'order_final';

/** What the announcement carries: the final state, so a woken request needs no second read. */
type Finality = Pick<Order, 'id' | 'status' | 'reason' | 'updatedAt'>;

/** NOTIFY payloads must stay under 8000 bytes; an announcement is ~110. */
const MAX_PAYLOAD = 7_000;

/** The orders a transaction made final, announced at its end: a JSON array per NOTIFY, as few NOTIFYs as fit. */
const finalityAnnouncement: CommitWrite<Finality> = {
  name: 'order-final',
  statements(tx, finalities) {
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
    return payloads.map((payload) => tx`SELECT pg_notify(${CHANNEL}, ${payload})`);
  },
};

/** Announces, at commit, that an order became final: every replica's waiting requests wake up. */
export function announceFinal(tx: Tx, order: Order): void {
  queueForCommit(tx, finalityAnnouncement, [{ id: order.id, status: order.status, reason: order.reason, updatedAt: order.updatedAt }]);
}

export interface FinalityWatcher {
  /** Starts listening for one order's announcement: before the order exists, nothing can be missed. */
  listen(orderId: string): Listening;
  /**
   * Reads the order (after listening, so an announcement cannot slip between the read and the wait); while it is
   * not final, waits for its announcement or `seconds`, whichever comes first, and answers with the order as it is then.
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
 * Why a waiting request wakes: its order's announcement; `reread`, because the listening connection was replaced and
 * may have missed it; or `stopping`, because the service stops (answer now with what is known: the database may be gone).
 */
type WakeReason = Finality | 'reread' | 'stopping';

/** Long-polling without polling: requests with `Prefer: wait` sleep until the NOTIFY for their order. */
export async function watchFinality(sql: Sql): Promise<FinalityWatcher> {
  const waiters = new Map<string, Set<(reason: WakeReason) => void>>();
  const wakeAll = (reason: WakeReason) => {
    for (const set of waiters.values()) for (const wake of set) wake(reason);
  };
  let closing = false;
  const listener = await sql.listen(
    CHANNEL,
    (payload) => {
      for (const finality of parseFinalities(payload)) for (const wake of waiters.get(finality.id) ?? []) wake(finality);
    },
    // Called on every (re)connect of the listening connection: whoever waits reads again.
    () => wakeAll('reread'),
  );

  const listen = (orderId: string): Listening => {
    let wakeUp: (reason: WakeReason) => void = () => {};
    const nextWake = () => new Promise<WakeReason>((resolve) => (wakeUp = resolve));
    let woken = nextWake();
    // The request's one entry in `waiters`: it settles whichever wait the request is in now.
    const deliver = (reason: WakeReason) => wakeUp(reason);
    const set = waiters.get(orderId) ?? new Set();
    waiters.set(orderId, set.add(deliver));
    return {
      async final(known, seconds, read) {
        const deadline = Date.now() + seconds * 1000;
        let order = known;
        while (!isFinal(order.status) && !closing) {
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()), 'timeout')));
          const reason = await Promise.race([woken, timeout]).finally(() => clearTimeout(timer));
          if (reason === 'timeout') return read();
          if (reason === 'stopping') return order;
          if (reason !== 'reread') return withFinality(order, reason);
          // Listening for the next announcement first, then reading again: nothing can slip in between.
          woken = nextWake();
          order = await read();
        }
        return order;
      },
      stop() {
        set.delete(deliver);
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
      wakeAll('stopping');
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
    return finalities.filter((f) => typeof f?.id === 'string' && isFinal(f.status));
  } catch {
    return [];
  }
}
