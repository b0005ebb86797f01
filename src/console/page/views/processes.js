// @ts-check
import { api, problemText } from '../api.js';
import { badge, h, notice, scrolling, show } from '../dom.js';
import { idRef, UUID } from '../ids.js';
import { moment } from './process.js';

/** @typedef {import('./process.js').OrderProcess} OrderProcess */

/** As many as the API gives in one page: more than this waiting at once is an incident, not a list to read. */
const LIMIT = 100;

/**
 * The order processes that need a look (GET /orders/admin/processes): a step billing has not answered in time, an
 * order past its payment deadline, a cancellation billing has not confirmed; overdue ones first and marked. Any
 * order's process opens by its id too, so that one stuck pending, not yet overdue, can be compensated.
 * @type {import('../main.js').View}
 */
export function processesView(root, { onLive }) {
  const input = h('input', { type: 'search', name: 'order', placeholder: 'order id', 'aria-label': 'Order id', required: true, maxlength: 36 });
  const reload = h('button', { type: 'button', class: 'secondary' }, 'Reload');
  const form = h('form', { class: 'search', 'aria-label': 'Open an order’s process' }, input, h('button', { type: 'submit' }, 'Open'), reload);
  const content = h('div', {}, notice('Loading…'));
  const load = () => draw(content).catch((error) => show(content, notice(problemText(error), 'error')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const orderId = input.value.trim();
    if (!UUID.test(orderId)) return show(content, notice('That is not an order id (a UUID).', 'error'));
    location.hash = `#/processes/${orderId.toLowerCase()}`;
  });
  reload.addEventListener('click', load);
  show(root, h('h1', {}, 'Processes'), form, content);

  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let pending;
  onLive((event) => {
    // An order of the list moved (billing answered, it was rejected): read the list again, once per burst.
    const listed = [...content.querySelectorAll('tr[data-order-id]')].some((tr) => tr.getAttribute('data-order-id') === event.data?.orderId);
    if (!listed) return;
    clearTimeout(pending);
    pending = setTimeout(load, 150);
  });
  load();
}

/** @param {HTMLElement} content */
async function draw(content) {
  /** @type {{ items: OrderProcess[] }} */
  const { items } = await api(`/orders/admin/processes?limit=${LIMIT}`);
  if (items.length === 0) {
    return show(content, notice('No process needs a look: every step billing was asked for was answered in time, and no cancellation waits.'));
  }
  const processes = [...items].sort((a, b) => Number(b.overdue) - Number(a.overdue));
  const columns = ['Order', 'Status', 'Step', 'Attempts', 'Next attempt', 'Deadline', 'By hand'];
  const table = h(
    'table',
    { class: 'processes', 'aria-label': 'Processes' },
    h('thead', {}, h('tr', {}, columns.map((column) => h('th', {}, column)))),
    h('tbody', {}, processes.map(row)),
  );
  show(content, h('p', { class: 'count' }, `${processes.length} to look at${processes.length === LIMIT ? ' (the first ones)' : ''}`), scrolling(table));
}

/** @param {OrderProcess} process */
function row({ order, step, attempts, nextAttemptAt, deadline, overdue, actions }) {
  return h(
    'tr',
    { 'data-order-id': order.id, 'data-overdue': String(overdue), class: overdue ? 'overdue' : null },
    h('td', {}, idRef(order.id, { href: `#/processes/${order.id}` })),
    h('td', {}, badge(order.status), overdue ? [' ', badge('overdue')] : null),
    h('td', {}, step ? h('code', {}, step) : '—'),
    h('td', { class: 'number' }, attempts),
    h('td', {}, nextAttemptAt ? moment(nextAttemptAt) : '—'),
    h('td', {}, deadline ? moment(deadline) : '—'),
    h('td', { class: 'number' }, actions.length),
  );
}
