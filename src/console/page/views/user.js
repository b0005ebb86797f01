// @ts-check
import { allItems, api, ApiError } from '../api.js';
import { badge, dateTime, h, money, notice, show } from '../dom.js';
import { idRef } from '../ids.js';

/** A user id as the input's pattern (anchored by the browser). */
const UUID = '[\\da-fA-F]{8}-[\\da-fA-F]{4}-[\\da-fA-F]{4}-[\\da-fA-F]{4}-[\\da-fA-F]{12}';

/**
 * A user's account: who they are, the balance, the ledger line by line, their orders and their letters.
 * @type {import('../main.js').View}
 */
export function userView(root, _context, userId) {
  const input = h('input', { type: 'search', name: 'userId', placeholder: 'user id (UUID)', required: true, pattern: UUID, value: userId ?? '' });
  const form = h('form', { class: 'search', 'aria-label': 'Find a user' }, input, h('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/users/${input.value.trim().toLowerCase()}`;
  });
  const content = h('div', {}, userId ? notice('Loading…') : notice('Open a user from the live feed or an order, or paste their id.'));
  show(root, h('h1', {}, 'User'), form, content);
  if (userId) draw(userId, content).catch((error) => show(content, notice(error instanceof ApiError && error.status === 404 ? 'No such user.' : error.message, 'error')));
}

/**
 * @param {string} userId
 * @param {HTMLElement} content
 */
async function draw(userId, content) {
  const [user, account, ledger, orders, letters] = await Promise.all([
    api(`/users/${userId}`),
    api(`/billing/accounts/${userId}`).catch((error) => (error instanceof ApiError && error.status === 404 ? null : Promise.reject(error))),
    allItems(`/billing/accounts/${userId}/transactions`).catch(() => []),
    api(`/orders?userId=${userId}&limit=20`),
    allItems(`/notifications?userId=${userId}`, 100),
  ]);
  show(
    content,
    h(
      'dl',
      { class: 'summary' },
      h('dt', {}, 'Id'),
      h('dd', {}, idRef(user.id, { whole: true })),
      h('dt', {}, 'Name'),
      h('dd', {}, user.name),
      h('dt', {}, 'Email'),
      h('dd', {}, user.email),
      h('dt', {}, 'Registered'),
      h('dd', {}, dateTime(user.createdAt)),
      h('dt', {}, 'Balance'),
      h('dd', { 'data-field': 'balance' }, account ? money(account.balance) : 'no account yet'),
    ),
    section(
      'Ledger',
      ledger,
      ['When', 'Type', 'Amount', 'Balance after', 'Order'],
      (line) => [dateTime(line.createdAt), line.type, money(line.amount), money(line.balance), line.orderId ? idRef(line.orderId, { href: `#/orders/${line.orderId}` }) : ''],
    ),
    section('Orders (latest 20)', orders.items, ['Placed', 'Order', 'Price', 'Status'], (order) => [
      dateTime(order.createdAt),
      idRef(order.id, { href: `#/orders/${order.id}` }),
      money(order.price),
      badge(order.status),
    ]),
    section('Letters', letters, ['Stored', 'Kind', 'Subject', 'Body'], (letter) => [dateTime(letter.createdAt), letter.kind, letter.subject, letter.body]),
  );
}

/**
 * @param {string} title
 * @param {any[]} items
 * @param {string[]} columns
 * @param {(item: any) => import('../dom.js').Child[]} cells
 */
function section(title, items, columns, cells) {
  return h(
    'section',
    { 'aria-label': title },
    h('h2', {}, title, ' ', h('span', { class: 'count' }, `(${items.length})`)),
    items.length === 0
      ? notice('None.')
      : h(
          'table',
          {},
          h('thead', {}, h('tr', {}, columns.map((column) => h('th', {}, column)))),
          h('tbody', {}, items.map((item) => h('tr', {}, cells(item).map((cell) => h('td', {}, cell))))),
        ),
  );
}
