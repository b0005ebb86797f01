// @ts-check
import { allItems, api, SERVICES } from '../api.js';
import { badge, dateTime, h, notice, scrolling, show } from '../dom.js';
import { idRef } from '../ids.js';

/**
 * @typedef {{
 *   eventId: string, type: string, subject: string | null, error: string, attempts: number, failedAt: string,
 *   state: string, replayedAt: string | null, discarded: { at: string, by: { userId: string, email: string }, reason: string } | null,
 *   envelope: { data?: { orderId?: string } }
 * }} DeadLetter
 */

/**
 * The dead letters of every service: retry one (once its cause is fixed) or discard it with a reason, which is kept
 * with it. Shows the waiting ones, or all.
 * @type {import('../main.js').View}
 */
export function deadLettersView(root) {
  const which = h('select', { name: 'state', 'aria-label': 'Which dead letters' }, h('option', { value: 'waiting' }, 'waiting'), h('option', { value: '' }, 'all'));
  const reload = h('button', { type: 'button' }, 'Reload');
  const content = h('div', {}, notice('Loading…'));
  const load = () => draw(content, which.value).catch((error) => show(content, notice(error.message, 'error')));
  which.addEventListener('change', load);
  reload.addEventListener('click', load);
  show(root, h('h1', {}, 'Dead letters'), h('div', { class: 'toolbar' }, which, reload), content);
  load();
}

/**
 * @param {HTMLElement} content
 * @param {string} state '' for all
 */
async function draw(content, state) {
  const lists = await Promise.all(
    SERVICES.map(async (service) => (await allItems(`/${service}/admin/dead-letters${state ? `?state=${state}` : ''}`)).map((/** @type {DeadLetter} */ letter) => ({ service, letter }))),
  );
  const all = lists.flat().sort((a, b) => (a.letter.failedAt < b.letter.failedAt ? 1 : -1));
  if (all.length === 0) return show(content, notice(state === 'waiting' ? 'No dead letter waits: every event was handled.' : 'No dead letters.'));
  const columns = ['Service', 'Event', 'About', 'Failed', 'Attempts', 'Error', 'State', ''];
  const table = h(
    'table',
    { class: 'dead-letters', 'aria-label': 'Dead letters' },
    h('thead', {}, h('tr', {}, columns.map((column) => h('th', {}, column)))),
    h(
      'tbody',
      {},
      all.map(({ service, letter }) => row(service, letter)),
    ),
  );
  show(content, scrolling(table));
}

/**
 * One dead letter, redrawn in place after an action.
 * @param {string} service
 * @param {DeadLetter} letter
 * @param {HTMLElement | string} [outcome]
 */
function row(service, letter, outcome) {
  const tr = h('tr', { 'data-event-id': letter.eventId, 'data-service': service, 'data-state': letter.state });
  const orderId = letter.envelope?.data?.orderId;
  const about = orderId ? h('span', {}, 'order ', idRef(orderId, { href: `#/orders/${orderId}` })) : letter.subject ? idRef(letter.subject) : '';
  const actions = h('td', { class: 'actions' });
  const replace = (/** @type {DeadLetter} */ next, /** @type {HTMLElement | string} */ said) => tr.replaceWith(row(service, next, said));
  if (letter.state === 'waiting') {
    actions.append(
      h('button', { type: 'button', onclick: () => retry(service, letter, actions, replace) }, 'Retry'),
      h('button', { type: 'button', class: 'secondary', onclick: () => askReason(service, letter, actions, replace) }, 'Discard…'),
    );
  }
  tr.append(
    h('td', {}, service),
    h('td', {}, h('code', {}, letter.type), h('div', {}, idRef(letter.eventId))),
    h('td', {}, about),
    h('td', {}, dateTime(letter.failedAt)),
    h('td', { class: 'number' }, letter.attempts),
    h('td', { class: 'error' }, letter.error),
    h('td', {}, badge(letter.state), settlement(letter), outcome ? h('div', { class: 'outcome', role: 'status' }, outcome) : null),
    actions,
  );
  return tr;
}

/** @param {DeadLetter} letter */
function settlement(letter) {
  if (letter.discarded) {
    const { at, by, reason } = letter.discarded;
    return h('div', { class: 'audit' }, `by ${by.email} at ${dateTime(at)}: “${reason}”`);
  }
  return letter.replayedAt ? h('div', { class: 'audit' }, `at ${dateTime(letter.replayedAt)}`) : null;
}

/**
 * @param {string} service
 * @param {DeadLetter} letter
 * @param {HTMLElement} actions
 * @param {(next: DeadLetter, said: HTMLElement | string) => void} replace
 */
async function retry(service, letter, actions, replace) {
  show(actions, 'Retrying…');
  try {
    const next = await api(`/${service}/admin/dead-letters/${letter.eventId}/retry`, { method: 'POST' });
    replace(next, next.state === 'replayed' ? 'Handled: the event went through.' : `Failed again: ${next.error}`);
  } catch (error) {
    replace(letter, notice(error instanceof Error ? error.message : String(error), 'error'));
  }
}

/**
 * @param {string} service
 * @param {DeadLetter} letter
 * @param {HTMLElement} actions
 * @param {(next: DeadLetter, said: HTMLElement | string) => void} replace
 */
function askReason(service, letter, actions, replace) {
  const reason = h('input', { type: 'text', name: 'reason', required: true, maxlength: 500, placeholder: 'why (kept with it)', 'aria-label': 'Reason' });
  const form = h('form', { class: 'discard' }, reason, h('button', { type: 'submit', class: 'danger' }, 'Discard'), h('button', { type: 'button', class: 'secondary', onclick: () => replace(letter, '') }, 'Cancel'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const next = await api(`/${service}/admin/dead-letters/${letter.eventId}/discard`, { method: 'POST', body: { reason: reason.value } });
      replace(next, 'Discarded.');
    } catch (error) {
      replace(letter, notice(error instanceof Error ? error.message : String(error), 'error'));
    }
  });
  show(actions, form);
  reason.focus();
}
