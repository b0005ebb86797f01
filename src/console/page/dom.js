// @ts-check
/**
 * Building the page with DOM calls only: text is always text (the policy forbids parsing HTML), so nothing a
 * user typed, or an event carried, can become markup.
 */

/** @typedef {Node | string | number | null | undefined | false} Child */
/** @typedef {Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>} Props */

/**
 * An element: `on<name>` props are listeners, `true` is an empty attribute, null/undefined/false are left out.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props} [props]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...nodes(children));
  return element;
}

/**
 * @param {(Child | Child[])[]} children
 * @returns {(Node | string)[]}
 */
function nodes(children) {
  return children.flat().flatMap((child) => (child === null || child === undefined || child === false ? [] : [typeof child === 'number' ? String(child) : child]));
}

/**
 * Replaces what an element shows.
 * @param {Element} element
 * @param {...(Child | Child[])} children
 */
export function show(element, ...children) {
  element.replaceChildren(...nodes(children));
}

/**
 * A table in a box of its own that scrolls sideways, so that a table wider than a phone does not widen the page.
 * @param {HTMLTableElement} table
 */
export const scrolling = (table) => h('div', { class: 'table-box' }, table);

/** @param {number} kopecks */
export const money = (kopecks) => `${(kopecks / 100).toFixed(2)} ₽`;

/**
 * A moment as the time of day in UTC with milliseconds: events of one order are milliseconds apart.
 * @param {string | null | undefined} iso
 */
export const clock = (iso) => (iso ? `${new Date(iso).toISOString().slice(11, 23)}` : '');

/** @param {string | null | undefined} iso */
export const dateTime = (iso) => (iso ? `${new Date(iso).toISOString().replace('T', ' ').slice(0, 19)} UTC` : '');

/** @param {number} ms */
export function duration(ms) {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(2)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1_000)} s`;
}

/**
 * The trace id of a W3C traceparent (00-<trace id>-<span id>-<flags>), or undefined.
 * @param {unknown} traceparent
 */
export function traceIdOf(traceparent) {
  const match = typeof traceparent === 'string' ? /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(traceparent) : null;
  return match ? match[1] : undefined;
}

/**
 * A status badge: pending, paid, rejected, waiting, replayed, discarded, ...
 * @param {string} status
 */
export const badge = (status) => h('span', { class: `badge badge-${status}`, 'data-status': status }, status);

/**
 * A message in place of the content (loading, an error, nothing to show).
 * @param {string} text
 * @param {'info' | 'error'} [kind]
 */
export const notice = (text, kind = 'info') => h('p', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
