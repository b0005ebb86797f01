// @ts-check
/**
 * The orders of the feed, most recently moved first: the latest ones the API lists, then each as its live events
 * tell, one row per order however it came.
 */

/** @typedef {import('./live.js').Envelope} Envelope */
/** @typedef {{ orderId: string, userId: string, price?: number, status: string, step: string, updatedAt: string, letter: boolean, seen: Set<string> }} FeedOrder */
/** @typedef {{ id: string, userId: string, price: number, status: string, updatedAt: string }} ListedOrder an item of GET /orders */
/** @typedef {{ state: 'loading' | 'loaded' | 'failed', error?: string }} History */

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
  /** @type {History} */
  let history = { state: 'loading' };
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
     * The latest orders as the API lists them, newest first. They are asked for once the stream is live, so one
     * the feed has not seen moved before the stream began: it goes behind those the stream brought. One the feed
     * has seen keeps its row, and takes only a final status its events have not told yet.
     * @param {ListedOrder[]} items
     */
    load(items) {
      /** @type {FeedOrder[]} */
      const older = [];
      for (const item of items) {
        const known = orders.get(item.id);
        if (known && !FINAL.has(known.status)) known.status = item.status;
        if (known) continue;
        const step = item.status === 'pending' ? 'created' : item.status;
        older.push({ orderId: item.id, userId: item.userId, price: item.price, status: item.status, step, updatedAt: item.updatedAt, letter: false, seen: new Set() });
      }
      const moved = [...orders.values()];
      orders.clear();
      for (const order of [...older.reverse(), ...moved].slice(-MAX_ORDERS)) orders.set(order.orderId, order);
      history = { state: 'loaded' };
      changed();
    },

    /** @param {string} error why the latest orders could not be listed */
    failed(error) {
      history = { state: 'failed', error };
      changed();
    },

    /** @returns {History} */
    history: () => history,

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
      history = { state: 'loading' };
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
