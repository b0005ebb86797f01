// @ts-check
/**
 * An order's timeline from what each service says about it (GET /<service>/admin/events?subject=): every event
 * published (by whom, when it committed, when the bus took it) and every handling of it (by whom, when, and how long
 * after it was committed: the hop), in time order.
 */
import { traceIdOf } from './dom.js';

/** @typedef {import('./live.js').Envelope} Envelope */
/** @typedef {{ envelope: Envelope, createdAt: string, publishedAt: string | null }} Published */
/** @typedef {{ eventId: string, type: string, handledAt: string }} Handled */
/** @typedef {{ eventId: string, type: string, error: string, failedAt: string, state: string }} DeadLettered */
/** @typedef {{ published: Published[], handled: Handled[], deadLettered: DeadLettered[] }} Trail */
/**
 * @typedef {{
 *   at: string, service: string, action: 'published' | 'handled' | 'dead-lettered', type: string, eventId: string,
 *   hopMs?: number, from?: string, busMs?: number, traceId?: string, error?: string, state?: string
 * }} TimelineRow
 */

/**
 * @param {Record<string, Trail>} trails by service
 * @returns {TimelineRow[]}
 */
export function timelineOf(trails) {
  /** @type {Map<string, Published & { service: string }>} */
  const published = new Map();
  for (const [service, trail] of Object.entries(trails)) {
    for (const item of trail.published) published.set(item.envelope.id, { ...item, service });
  }
  /** @type {TimelineRow[]} */
  const rows = [...published.values()].map((item) => ({
    at: item.createdAt,
    service: item.service,
    action: 'published',
    type: item.envelope.type,
    eventId: item.envelope.id,
    ...(item.publishedAt ? { busMs: Date.parse(item.publishedAt) - Date.parse(item.createdAt) } : {}),
    ...optional('traceId', traceIdOf(item.envelope.traceparent)),
  }));
  for (const [service, trail] of Object.entries(trails)) {
    for (const item of trail.handled) {
      const source = published.get(item.eventId);
      rows.push({
        at: item.handledAt,
        service,
        action: 'handled',
        type: item.type,
        eventId: item.eventId,
        ...(source ? { from: source.service, hopMs: Date.parse(item.handledAt) - Date.parse(source.createdAt) } : {}),
        ...optional('traceId', traceIdOf(source?.envelope.traceparent)),
      });
    }
    for (const item of trail.deadLettered) {
      const source = published.get(item.eventId);
      rows.push({
        at: item.failedAt,
        service,
        action: 'dead-lettered',
        type: item.type,
        eventId: item.eventId,
        error: item.error,
        state: item.state,
        ...optional('traceId', traceIdOf(source?.envelope.traceparent)),
      });
    }
  }
  // A handler's effects carry its transaction's time: at the same moment, the handling comes before what it published.
  return rows.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : RANK[a.action] - RANK[b.action]));
}

const RANK = { handled: 0, published: 1, 'dead-lettered': 2 };

/**
 * @template {string} K
 * @param {K} key
 * @param {string | undefined} value
 * @returns {{ [P in K]?: string }}
 */
function optional(key, value) {
  return /** @type {{ [P in K]?: string }} */ (value === undefined ? {} : { [key]: value });
}
