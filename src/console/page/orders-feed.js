// @ts-check
/** The orders the live feed has seen, each with the status its events tell, most recently moved first. */

/** @typedef {import('./live.js').Envelope} Envelope */
/** @typedef {{ orderId: string, userId: string, price?: number, status: string, step: string, updatedAt: string, letter: boolean, seen: Set<string> }} FeedOrder */

/** What each event says about its order: the status it implies, and the step it names. */
/** @type {Record<string, { status: string, step: string }>} */
const MEANING = {
  'orders.order.created.v1': { status: 'pending', step: 'created' },
  'billing.payment.succeeded.v1': { status: 'pending', step: 'payment succeeded' },
  'billing.payment.rejected.v1': { status: 'pending', step: 'payment rejected' },
  'orders.order.paid.v1': { status: 'paid', step: 'paid' },
  'orders.order.rejected.v1': { status: 'rejected', step: 'rejected' },
};
const FINAL = new Set(['paid', 'rejected']);
/** The page keeps this many orders; older ones leave the feed (the timeline still finds them). */
const MAX_ORDERS = 200;

export function createOrdersFeed() {
  /** @type {Map<string, FeedOrder>} */
  const orders = new Map();
  /** @type {Set<() => void>} */
  const listeners = new Set();
  const changed = () => {
    for (const listener of listeners) listener();
  };

  return {
    /**
     * Takes one event of the live feed; events arrive at least once and in any order.
     * @param {Envelope} event
     */
    apply(event) {
      const data = event.data ?? {};
      const orderId = typeof data.orderId === 'string' ? data.orderId : undefined;
      if (!orderId) return; // a letter that is not about an order
      /** @type {FeedOrder} */
      const order = orders.get(orderId) ?? { orderId, userId: data.userId, status: 'pending', step: '', updatedAt: event.time, letter: false, seen: new Set() };
      if (order.seen.has(event.id)) return;
      order.seen.add(event.id);
      const meaning = event.type === 'notifications.letter.stored.v1' ? letterMeaning(data.kind) : MEANING[event.type];
      if (meaning && !FINAL.has(order.status)) order.status = meaning.status;
      if (event.type === 'notifications.letter.stored.v1') order.letter = true;
      if (meaning && event.time >= order.updatedAt) {
        order.step = meaning.step;
        order.updatedAt = event.time;
      }
      order.price ??= data.price ?? data.amount;
      orders.delete(orderId);
      orders.set(orderId, order);
      if (orders.size > MAX_ORDERS) orders.delete(/** @type {string} */ (orders.keys().next().value));
      changed();
    },

    /**
     * What the API says of an order the feed may have missed events of (after a gap).
     * @param {string} orderId
     * @param {string} status
     */
    correct(orderId, status) {
      const order = orders.get(orderId);
      if (!order || order.status === status) return;
      order.status = status;
      changed();
    },

    /** @returns {FeedOrder[]} */
    list: () => [...orders.values()].reverse(),

    clear() {
      orders.clear();
      changed();
    },

    /**
     * @param {() => void} listener
     * @returns {() => void}
     */
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** @param {unknown} kind */
function letterMeaning(kind) {
  if (kind === 'order_paid') return { status: 'paid', step: 'letter stored' };
  if (kind === 'order_rejected') return { status: 'rejected', step: 'letter stored' };
  return undefined;
}
