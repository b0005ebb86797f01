// @ts-check
import { badge, clock, dateTime, h, money, notice, scrolling, show } from '../dom.js';
import { idRef } from '../ids.js';

/**
 * The live feed: the latest orders, then each as its events arrive (created, paid or rejected, letter stored), the
 * most recently moved on top.
 * @type {import('../main.js').View}
 */
export function feedView(root, { feed, onLeave }) {
  const body = h('tbody');
  const empty = h('div');
  const table = h(
    'table',
    { class: 'feed', 'aria-label': 'Live orders' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Order'), h('th', {}, 'User'), h('th', {}, 'Price'), h('th', {}, 'Status'), h('th', {}, 'Last step'), h('th', {}, 'Letter'), h('th', {}, 'At (UTC)'))),
    body,
  );
  const render = () => {
    const orders = feed.list();
    const history = feed.history();
    if (history.state === 'failed') show(empty, notice(`The latest orders could not be listed: ${history.error}. New ones appear as they move.`, 'error'));
    else if (orders.length === 0) show(empty, notice(history.state === 'loading' ? 'Loading the latest orders…' : 'No orders yet. New ones appear here as the services publish their events.'));
    else show(empty);
    show(
      body,
      orders.map((order) =>
        h(
          'tr',
          { 'data-order-id': order.orderId },
          h('td', {}, idRef(order.orderId, { href: `#/orders/${order.orderId}` })),
          h('td', {}, order.userId ? idRef(order.userId, { href: `#/users/${order.userId}` }) : ''),
          h('td', { class: 'number' }, order.price === undefined ? '' : money(order.price)),
          h('td', {}, badge(order.status)),
          h('td', {}, order.step),
          h('td', {}, order.letter ? '✉' : ''),
          h('td', {}, when(order.updatedAt)),
        ),
      ),
    );
  };
  onLeave(feed.subscribe(render));
  show(root, h('h1', {}, 'Live feed'), empty, scrolling(table));
  render();
}

/**
 * The time of day of today's moves; the date too for older ones, which the listed history can bring.
 * @param {string} iso
 */
const when = (iso) => (new Date(iso).toISOString().slice(0, 10) === new Date().toISOString().slice(0, 10) ? clock(iso) : dateTime(iso));
