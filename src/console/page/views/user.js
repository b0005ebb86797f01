// @ts-check
import { allItems, api, ApiError } from '../api.js';
import { badge, dateTime, h, money, notice, scrolling, show } from '../dom.js';
import { idRef, UUID } from '../ids.js';

/**
 * A user's account: who they are, the balance, the ledger line by line, their orders and their letters. Found by
 * id, or by address (GET /users?email=, which only an operator may call).
 * @type {import('../main.js').View}
 */
export function userView(root, _context, userId) {
  const input = h('input', { type: 'search', name: 'user', placeholder: 'email address or user id', 'aria-label': 'Email address or user id', required: true, maxlength: 254, value: userId ?? '' });
  const content = h('div', {}, userId ? notice('Loading…') : notice('Give an address or an id, or open a user from the live feed or an order.'));
  const form = h('form', { class: 'search', 'aria-label': 'Find a user' }, input, h('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    find(input.value.trim(), content).catch((error) => show(content, notice(error.message, 'error')));
  });
  show(root, h('h1', {}, 'User'), form, content);
  if (userId) draw(userId, content).catch((error) => show(content, notice(error instanceof ApiError && error.status === 404 ? 'No such user.' : error.message, 'error')));
}

/**
 * Opens the user the operator asked for: by id at once, by address once the API has found it.
 * @param {string} query
 * @param {HTMLElement} content
 */
async function find(query, content) {
  let userId = query.toLowerCase();
  if (!UUID.test(query)) {
    if (!query.includes('@')) return show(content, notice('That is neither an email address nor a user id (a UUID).', 'error'));
    show(content, notice('Looking for the address…'));
    const found = await api(`/users?email=${encodeURIComponent(query)}`);
    if (found.items.length === 0) return show(content, notice(`No user has the address ${query}.`));
    userId = found.items[0].id;
  }
  // Asking again for the user shown changes no address, so no hashchange would draw them again.
  if (location.hash === `#/users/${userId}`) return draw(userId, content);
  location.hash = `#/users/${userId}`;
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
      : scrolling(
          h(
            'table',
            {},
            h('thead', {}, h('tr', {}, columns.map((column) => h('th', {}, column)))),
            h('tbody', {}, items.map((item) => h('tr', {}, cells(item).map((cell) => h('td', {}, cell))))),
          ),
        ),
  );
}
