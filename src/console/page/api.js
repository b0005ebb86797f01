// @ts-check
/** The public API, called with the operator's token; a 401 ends the session. */
import { currentSession, logOut } from './session.js';

export const SERVICES = /** @type {const} */ (['users', 'billing', 'orders', 'notifications']);

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {{ title?: string, detail?: string, code?: string }} problem an RFC 9457 problem document
   */
  constructor(status, problem) {
    super(problem.detail ?? `HTTP ${status}`);
    this.status = status;
    this.code = problem.code;
    this.title = problem.title;
  }
}

/**
 * What went wrong, as an operator reads it: a problem's title and detail ("Nothing to retry: Order … is paid, …"),
 * or the error's message.
 * @param {unknown} error
 */
export function problemText(error) {
  if (error instanceof ApiError && error.title) return `${error.title}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * @param {string} path e.g. /orders/123
 * @param {{ method?: string, body?: unknown }} [options]
 * @returns {Promise<any>}
 */
export async function api(path, options = {}) {
  const session = currentSession();
  if (!session) {
    logOut('Your session has ended: log in again.');
    throw new ApiError(401, { detail: 'not signed in' });
  }
  /** @type {Record<string, string>} */
  const headers = { authorization: `Bearer ${session.token}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const json = (response.headers.get('content-type') ?? '').includes('json');
  const body = json ? await response.json() : {};
  if (response.status === 401) logOut('Your session has ended: log in again.');
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/**
 * Every item of a list, following nextCursor, up to `max` items.
 * @param {string} path with its query, without limit and cursor
 * @param {number} [max]
 * @returns {Promise<any[]>}
 */
export async function allItems(path, max = 500) {
  const items = [];
  let cursor = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await api(`${path}${separator}limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return items;
}
