// @ts-check
import { api, problemText } from '../api.js';
import { badge, dateTime, duration, h, notice, scrolling, show } from '../dom.js';
import { idRef } from '../ids.js';

/**
 * @typedef {{ action: 'retry' | 'compensate', by: { userId: string, email: string }, reason: string, at: string }} ProcessAction
 * @typedef {{
 *   order: { id: string, userId: string, price: number, status: string, reason?: string, createdAt: string, updatedAt: string },
 *   step: 'charge' | 'refund' | null, attempts: number, nextAttemptAt: string | null, deadline: string | null,
 *   overdue: boolean, actions: ProcessAction[]
 * }} OrderProcess GET /orders/admin/processes/{orderId}
 */

/** What the process waits for billing to do, in an operator's words. */
const WAITS_FOR = { charge: 'billing to take the payment', refund: 'billing to give the payment back (or void it)' };

/** What each action does, said before the operator gives a reason (the API's own summaries). */
const DOES = {
  retry: 'Asks billing again, now, for the step the process waits on.',
  compensate: 'A pending order is rejected (payment_timeout) and whatever billing charged is given back; a cancellation asks for its refund now.',
};

/**
 * A moment as the date and time in UTC, and how far it is from now: a deadline reads at a glance.
 * @param {string} iso
 */
export function moment(iso) {
  const ms = Date.parse(iso) - Date.now();
  return `${dateTime(iso)} (${ms >= 0 ? `in ${duration(ms)}` : `${duration(-ms)} ago`})`;
}

/**
 * An order's process: what it waits for, how often it asked, its deadline, what operators did to it, and the two
 * actions by hand, Retry and Compensate, each with a reason that orders keeps. Drawn again when a live event about
 * the order arrives (billing answered, the order moved on), and on Reload, since not every step is an event the
 * feed carries.
 * @type {import('../main.js').View}
 */
export function processView(root, { onLive }, orderId = '') {
  const summary = h('section', { class: 'summary', 'aria-label': 'Process' }, notice('Loading…'));
  const history = h('section', { 'aria-label': 'Operators’ actions' });
  const drawn = (/** @type {OrderProcess} */ process) => {
    drawSummary(summary, process);
    drawHistory(history, process);
  };
  const reload = () => api(`/orders/admin/processes/${orderId}`).then(drawn, (error) => show(summary, notice(problemText(error), 'error')));
  const actions = actionsOf(orderId, drawn, reload);
  show(root, h('h1', {}, 'Process of order ', idRef(orderId, { whole: true })), summary, actions, history);

  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let pending;
  onLive((event) => {
    if (event.subject !== orderId && event.data?.orderId !== orderId) return;
    // Events of one order come in bursts: read the process once per burst.
    clearTimeout(pending);
    pending = setTimeout(reload, 150);
  });
  reload();
}

/**
 * @param {HTMLElement} summary
 * @param {OrderProcess} process
 */
function drawSummary(summary, { order, step, attempts, nextAttemptAt, deadline, overdue }) {
  const field = (/** @type {string} */ name, /** @type {string} */ label, /** @type {(Node | string)[]} */ ...value) => [
    h('dt', {}, label),
    h('dd', { 'data-field': name }, ...value),
  ];
  show(
    summary,
    h(
      'dl',
      {},
      field('status', 'Status', badge(order.status), order.reason ? ` (${order.reason})` : ''),
      field('step', 'Step', ...(step ? [h('code', {}, step), `: waits for ${WAITS_FOR[step]}`] : ['none: nothing waits for billing'])),
      field('attempts', 'Attempts', String(attempts)),
      field('next-attempt', 'Next attempt', nextAttemptAt ? moment(nextAttemptAt) : '—'),
      field('deadline', 'Deadline', ...deadlineOf(order.status, deadline)),
      field('overdue', 'Overdue', overdue ? badge('overdue') : 'no'),
      field('order', 'Order', h('a', { href: `#/orders/${order.id}` }, 'its timeline'), ` · placed ${dateTime(order.createdAt)}`),
      field('user', 'User', idRef(order.userId, { href: `#/users/${order.userId}`, whole: true })),
    ),
  );
}

/**
 * The payment deadline, and whether it still matters: it rejects an order only while the order is pending.
 * @param {string} status
 * @param {string | null} deadline
 */
function deadlineOf(status, deadline) {
  if (!deadline) return ['none (only the saga has a payment deadline)'];
  return [moment(deadline), status === 'pending' ? '' : h('span', { class: 'notice' }, ` · no longer applies: the order is ${status}`)];
}

/**
 * @param {HTMLElement} history
 * @param {OrderProcess} process
 */
function drawHistory(history, { actions }) {
  const table = h(
    'table',
    { 'aria-label': 'Operators’ actions' },
    h('thead', {}, h('tr', {}, ['At', 'Action', 'By', 'Reason'].map((column) => h('th', {}, column)))),
    h(
      'tbody',
      {},
      actions.map((action) =>
        h('tr', { 'data-action': action.action }, h('td', {}, dateTime(action.at)), h('td', {}, action.action), h('td', {}, action.by.email), h('td', { class: 'reason' }, action.reason)),
      ),
    ),
  );
  show(history, h('h2', {}, 'Operators’ actions'), actions.length === 0 ? notice('None yet: no operator has acted on this order.') : scrolling(table));
}

/**
 * The buttons, the reason form in their place while one is asked for, and what the last action came to.
 * @param {string} orderId
 * @param {(process: OrderProcess) => void} drawn
 * @param {() => void} reload
 */
function actionsOf(orderId, drawn, reload) {
  const outcome = h('div', { class: 'process-outcome' });
  const slot = h('div', {});
  const buttons = h(
    'div',
    { class: 'toolbar' },
    h('button', { type: 'button', onclick: () => ask('retry') }, 'Retry…'),
    h('button', { type: 'button', class: 'danger', onclick: () => ask('compensate') }, 'Compensate…'),
    h('button', { type: 'button', class: 'secondary', onclick: reload }, 'Reload'),
  );
  const done = () => show(slot, buttons);

  /** @param {'retry' | 'compensate'} action */
  function ask(action) {
    show(outcome);
    show(slot, reasonForm(action, done, async (reason) => {
      try {
        const process = await api(`/orders/admin/processes/${orderId}/${action}`, { method: 'POST', body: { reason } });
        drawn(process);
        show(outcome, outcomeOf(action, process));
      } catch (error) {
        show(outcome, notice(problemText(error), 'error'));
      }
      done();
    }));
    slot.querySelector('input')?.focus();
  }

  done();
  return h('section', { class: 'process-actions', 'aria-label': 'Actions' }, slot, outcome);
}

/**
 * @param {'retry' | 'compensate'} action
 * @param {() => void} cancel
 * @param {(reason: string) => Promise<void>} submit
 */
function reasonForm(action, cancel, submit) {
  const verb = action === 'retry' ? 'Retry' : 'Compensate';
  const reason = h('input', { type: 'text', name: 'reason', required: true, maxlength: 500, placeholder: 'why (kept with the order)', 'aria-label': 'Reason' });
  const send = h('button', { type: 'submit', class: action === 'retry' ? undefined : 'danger' }, verb);
  const form = h('form', { class: 'reason', 'aria-label': `${verb} the process` }, h('p', { class: 'notice' }, DOES[action]), reason, send, h('button', { type: 'button', class: 'secondary', onclick: cancel }, 'Cancel'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send.disabled = true;
    submit(reason.value.trim());
  });
  return form;
}

/**
 * What an action came to, in the order's new state.
 * @param {'retry' | 'compensate'} action
 * @param {OrderProcess} process
 */
function outcomeOf(action, { order, step }) {
  const verb = action === 'retry' ? 'Retried' : 'Compensated';
  const waiting = step ? `, waiting for ${WAITS_FOR[step]}` : '';
  return h('p', { class: 'outcome', role: 'status' }, `${verb}: the order is now `, badge(order.status), order.reason ? ` (${order.reason})` : '', `${waiting}.`);
}
