// @ts-check
/**
 * The operator's session: the access token from POST /users/login, kept in sessionStorage (this tab only, gone
 * with it) until it expires. Only an admin's token is kept: the console shows nothing to anyone else.
 */

/** @typedef {{ token: string, userId: string, email: string, role: string, expiresAt: number }} Session */

const KEY = 'streamshop.console.session';

/** @returns {Session | null} */
export function currentSession() {
  const stored = sessionStorage.getItem(KEY);
  if (!stored) return null;
  /** @type {Session} */
  const session = JSON.parse(stored);
  if (session.expiresAt <= Date.now()) {
    sessionStorage.removeItem(KEY);
    return null;
  }
  return session;
}

/**
 * Logs in with the operator's address and password. Throws an Error whose message the login form shows.
 * @param {string} email
 * @param {string} password
 * @returns {Promise<Session>}
 */
export async function logIn(email, password) {
  const response = await fetch('/users/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) throw new Error('Wrong address or password.');
  if (response.status === 429) throw new Error('Too many failed attempts: wait a few minutes.');
  if (!response.ok) throw new Error(body.detail ?? `Login failed (${response.status}).`);
  const claims = claimsOf(body.accessToken);
  if (claims.role !== 'admin') throw new Error(`${claims.email} is not an operator: the console is for admins only.`);
  /** @type {Session} */
  const session = { token: body.accessToken, userId: claims.sub, email: claims.email, role: claims.role, expiresAt: claims.exp * 1000 };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

/**
 * Forgets the token and tells the page (main.js shows the login form again).
 * @param {string} [reason]
 */
export function logOut(reason) {
  sessionStorage.removeItem(KEY);
  window.dispatchEvent(new CustomEvent('console:signed-out', { detail: reason ?? '' }));
}

/**
 * The claims of a token, read without checking it: the services check every request; the page only needs to know
 * whom it shows and until when.
 * @param {string} token
 * @returns {{ sub: string, email: string, role: string, exp: number }}
 */
function claimsOf(token) {
  const part = (token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(part.padEnd(Math.ceil(part.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}
