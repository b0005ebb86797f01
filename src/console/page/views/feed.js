// @ts-check
import { badge, clock, h, money, show } from '../dom.js';
import { idRef } from '../ids.js';

/**
 * The live feed: orders as their events arrive (created, paid or rejected, letter stored), the latest on top.
 * @type {import('../main.js').View}
 */
export function feedView(root, { feed, onLeave }) {
  const body = h('tbody');
  const empty = h('p', { class: 'notice' }, 'Waiting for orders… Events appear here as the services publish them.');
  const table = h(
    'table',
    { class: 'feed', 'aria-label': 'Live orders' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Order'), h('th', {}, 'User'), h('th', {}, 'Price'), h('th', {}, 'Status'), h('th', {}, 'Last step'), h('th', {}, 'Letter'), h('th', {}, 'At (UTC)'))),
    body,
  );
  const render = () => {
    const orders = feed.list();
    empty.hidden = orders.length > 0;
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
          h('td', {}, clock(order.updatedAt)),
        ),
      ),
    );
  };
  onLeave(feed.subscribe(render));
  show(root, h('h1', {}, 'Live feed'), empty, table);
  render();
}
