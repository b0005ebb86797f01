// @ts-check
/** The console's shell: who is signed in, the live connection, and which view the address (#/...) shows. */
import { api } from './api.js';
import { h, show } from './dom.js';
import { interactionStyle } from './interaction-style.js';
import { connectLive } from './live.js';
import { createOrdersFeed } from './orders-feed.js';
import { currentSession, logOut } from './session.js';
import { deadLettersView } from './views/dead-letters.js';
import { feedView } from './views/feed.js';
import { loginView } from './views/login.js';
import { orderView } from './views/order.js';
import { processView } from './views/process.js';
import { processesView } from './views/processes.js';
import { userView } from './views/user.js';

/** @typedef {import('./live.js').Envelope} Envelope */
/**
 * What a view gets: the feed's orders, the live events while it is shown, and a way to clean up when it is left.
 * @typedef {{
 *   feed: ReturnType<typeof createOrdersFeed>,
 *   onLive(listener: (event: Envelope) => void): void,
 *   onLeave(cleanUp: () => void): void,
 * }} ViewContext
 */
/** @typedef {(root: HTMLElement, context: ViewContext, ...params: string[]) => void} View */

const root = /** @type {HTMLElement} */ (document.getElementById('app'));
const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
const liveStatus = /** @type {HTMLElement} */ (document.getElementById('live-status'));
const who = /** @type {HTMLElement} */ (document.getElementById('who'));
const style = /** @type {HTMLElement} */ (document.getElementById('style'));

const feed = createOrdersFeed();
/** @type {Set<(event: Envelope) => void>} */
const liveListeners = new Set();
/** @type {{ stop(): void } | undefined} */
let live;
/** What the current view asked to undo when it is left (its live listeners, its subscriptions). */
/** @type {(() => void)[]} */
const leaving = [];
const leaveView = () => {
  for (const cleanUp of leaving.splice(0)) cleanUp();
};

/** @type {[RegExp, View][]} */
const routes = [
  [/^#?\/?$/, feedView],
  [/^#\/orders\/([\w-]+)$/, orderView],
  [/^#\/users\/?$/, userView],
  [/^#\/users\/([\w-]+)$/, userView],
  [/^#\/dead-letters$/, deadLettersView],
  [/^#\/processes\/?$/, processesView],
  [/^#\/processes\/([\w-]+)$/, processView],
];

function route() {
  leaveView();
  if (!currentSession()) return signIn();
  startLive();
  const match = routes.map(([pattern, view]) => /** @type {const} */ ([pattern.exec(location.hash), view])).find(([found]) => found);
  // A user's page belongs to Users as their list does: the link of the address's first segment is the current one.
  const section = (location.hash || '#/').split('/')[1];
  for (const link of nav.querySelectorAll('a')) link.classList.toggle('current', link.hash.split('/')[1] === section);
  if (!match) return show(root, h('p', { class: 'notice' }, 'No such page.'));
  const [params, view] = match;
  /** @type {ViewContext} */
  const context = {
    feed,
    onLive(listener) {
      liveListeners.add(listener);
      leaving.push(() => liveListeners.delete(listener));
    },
    onLeave: (cleanUp) => leaving.push(cleanUp),
  };
  view(root, context, ...(params ?? []).slice(1));
}

/** @param {string} [reason] */
function signIn(reason) {
  live?.stop();
  live = undefined;
  feed.clear();
  nav.hidden = true;
  liveStatus.hidden = true;
  style.hidden = true;
  show(who);
  loginView(root, reason, route);
}

function startLive() {
  const session = currentSession();
  if (live || !session) return;
  nav.hidden = false;
  liveStatus.hidden = false;
  showStyle();
  show(who, h('span', {}, session.email), ' ', h('button', { type: 'button', class: 'link', onclick: () => logOut() }, 'Log out'));
  live = connectLive({
    onEvent(event) {
      feed.apply(event);
      for (const listener of liveListeners) listener(event);
    },
    onGap: resyncPending,
    onStatus(status) {
      liveStatus.dataset.status = status;
      show(liveStatus, status === 'live' ? '● live' : status === 'connecting' ? '○ connecting…' : '○ offline, retrying');
      if (status === 'live') loadRecentOrders();
    },
  });
}

/** The interaction style in the header, once orders has said it; nothing where it cannot be asked. */
function showStyle() {
  interactionStyle().then(
    (name) => {
      if (!name || !currentSession()) return;
      show(style, `style: ${name}`);
      style.dataset.style = name;
      style.hidden = false;
    },
    () => {},
  );
}

/** How many of the latest orders the feed starts with. */
const RECENT_ORDERS = 50;

/**
 * The latest orders, asked for each time the stream is live (after login, and after a reconnection, which may have
 * missed events): from then on the stream tells every move, so nothing falls between the list and the stream.
 */
function loadRecentOrders() {
  const token = currentSession()?.token;
  // An answer that comes after the operator logged out must not fill the next session's feed.
  const stillOurs = () => currentSession()?.token === token;
  api(`/orders?limit=${RECENT_ORDERS}`).then(
    (page) => stillOurs() && feed.load(page.items),
    (error) => stillOurs() && feed.failed(error instanceof Error ? error.message : String(error)),
  );
}

/** Events were dropped while the connection was slow: ask the API how the orders still pending really are. */
function resyncPending() {
  for (const order of feed.list().filter((o) => o.status === 'pending')) {
    api(`/orders/${order.orderId}`).then((found) => feed.correct(order.orderId, found.status), () => {});
  }
}

window.addEventListener('hashchange', route);
window.addEventListener('console:signed-out', (event) => {
  leaveView();
  signIn(/** @type {CustomEvent<string>} */ (event).detail);
});
route();
