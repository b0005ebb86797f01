// @ts-check
import { api, SERVICES } from '../api.js';
import { badge, clock, dateTime, duration, h, money, notice, scrolling, show } from '../dom.js';
import { idRef } from '../ids.js';
import { consoleSettings } from '../settings.js';
import { timelineOf } from '../timeline.js';

/**
 * An order's timeline: each event, which service published or handled it, when, how long each hop took, its trace
 * id. Drawn again whenever a live event about the order arrives.
 * @type {import('../main.js').View}
 */
export function orderView(root, { onLive }, orderId = '') {
  const summary = h('section', { class: 'summary' }, notice('Loading…'));
  const timeline = h('section', { class: 'timeline' });
  show(root, h('h1', {}, 'Order ', idRef(orderId, { whole: true })), summary, timeline);

  let drawing = Promise.resolve();
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let pending;
  const redraw = () => {
    drawing = drawing.then(() => draw(orderId, summary, timeline)).catch((error) => show(summary, notice(error.message, 'error')));
  };
  onLive((event) => {
    if (event.subject !== orderId && event.data?.orderId !== orderId) return;
    // Events of one order come in bursts: draw once per burst.
    clearTimeout(pending);
    pending = setTimeout(redraw, 150);
  });
  redraw();
}

/**
 * @param {string} orderId
 * @param {HTMLElement} summary
 * @param {HTMLElement} timeline
 */
async function draw(orderId, summary, timeline) {
  // Without the settings the timeline still shows; only a trace column without ids cannot say why.
  const [order, settings] = await Promise.all([api(`/orders/${orderId}`), consoleSettings().catch(() => undefined)]);
  const letters = await api(`/notifications?userId=${order.userId}&limit=100`);
  const letter = letters.items.find((/** @type {{ orderId?: string }} */ item) => item.orderId === orderId);
  /** @type {Record<string, import('../timeline.js').Trail>} */
  const trails = {};
  await Promise.all(
    SERVICES.map(async (service) => {
      trails[service] = await api(`/${service}/admin/events?subject=${orderId}`);
    }),
  );
  // The letter's event is about the letter: notifications names it by the letter's id.
  if (letter) {
    const about = await api(`/notifications/admin/events?subject=${letter.id}`);
    trails.notifications?.published.push(...about.published);
  }
  const rows = timelineOf(trails);
  const first = rows[0];
  const last = rows.at(-1);
  show(
    summary,
    h(
      'dl',
      {},
      h('dt', {}, 'Status'),
      h('dd', { 'data-field': 'status' }, badge(order.status), order.reason ? ` (${order.reason})` : ''),
      h('dt', {}, 'User'),
      h('dd', {}, idRef(order.userId, { href: `#/users/${order.userId}`, whole: true })),
      h('dt', {}, 'Price'),
      h('dd', {}, money(order.price)),
      h('dt', {}, 'Placed'),
      h('dd', {}, dateTime(order.createdAt)),
      h('dt', {}, 'Process'),
      h('dd', {}, h('a', { href: `#/processes/${orderId}` }, 'step, deadline, Retry and Compensate')),
      h('dt', {}, 'Letter'),
      h('dd', {}, letter ? `${letter.kind} to ${letter.email}` : 'not yet'),
      h('dt', {}, 'From first to last event'),
      h('dd', {}, first && last ? duration(Date.parse(last.at) - Date.parse(first.at)) : ''),
    ),
  );
  show(
    timeline,
    h('h2', {}, 'Timeline'),
    rows.length === 0
      ? notice('No events kept about this order (published events are kept RETENTION_OUTBOX, handled ones RETENTION_INBOX).')
      : scrolling(timelineTable(rows, settings)),
  );
}

/**
 * @param {import('../timeline.js').TimelineRow[]} rows
 * @param {import('../settings.js').ConsoleSettings | undefined} settings
 */
function timelineTable(rows, settings) {
  return h(
    'table',
    { 'aria-label': 'Timeline' },
    h('thead', {}, h('tr', {}, h('th', {}, 'At (UTC)'), h('th', {}, 'Service'), h('th', {}, 'What'), h('th', {}, 'Event'), h('th', {}, 'Hop'), h('th', {}, 'Trace id'))),
    h(
      'tbody',
      {},
      rows.map((row) =>
        h(
          'tr',
          { 'data-action': row.action, 'data-service': row.service, 'data-type': row.type },
          h('td', {}, clock(row.at)),
          h('td', {}, row.service),
          h('td', {}, what(row)),
          h('td', {}, h('code', {}, row.type), h('div', {}, idRef(row.eventId))),
          h('td', { class: 'number' }, row.hopMs === undefined ? '' : `+${duration(row.hopMs)}`),
          h('td', { 'data-field': 'trace' }, traceOf(row, settings)),
        ),
      ),
    ),
  );
}

/** @param {import('../timeline.js').TimelineRow} row */
function what(row) {
  // The relay marks an event sent once the bus has it (in the embedded default: once every consumer has handled it).
  if (row.action === 'published') return `published${row.busMs === undefined ? ', waiting in the outbox' : `, marked sent after ${duration(row.busMs)}`}`;
  if (row.action === 'handled') return `handled${row.from ? ` (from ${row.from})` : ''}`;
  return h('span', {}, 'dead-lettered ', badge(row.state ?? 'waiting'), ' ', h('a', { href: '#/dead-letters' }, row.error ?? ''));
}

/**
 * @param {import('../timeline.js').TimelineRow} row
 * @param {import('../settings.js').ConsoleSettings | undefined} settings
 */
function traceOf(row, settings) {
  if (row.traceId) return idRef(row.traceId);
  if (settings?.tracing === false) return h('span', { class: 'notice', title: 'OTEL_EXPORTER_OTLP_ENDPOINT is not set: the services record no traces' }, 'tracing off');
  return settings ? h('span', { class: 'notice', title: 'This event carries no traceparent' }, 'none') : '';
}
