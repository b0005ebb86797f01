// @ts-check
/**
 * Ids as the page shows them. The ids of streamshop are UUIDv7s, whose first characters are the moment they were
 * made: orders placed in the same minute share their first eight. So the page shows an id's tail, which is random,
 * or the whole id where there is room, and every id has a button that copies the whole of it.
 */
import { h } from './dom.js';

/** An id of streamshop: a UUID, in any letter case. */
export const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;

/** The last group of a UUID: 48 random bits, as good as the whole id for telling two apart by eye. */
const TAIL = 12;

/**
 * An id: its tail after an ellipsis (the whole id with `whole`), a link with `href`, and a copy button.
 * @param {string} id
 * @param {{ href?: string, whole?: boolean }} [options]
 */
export function idRef(id, options = {}) {
  const whole = options.whole === true || id.length <= TAIL + 1;
  const props = { class: 'id', title: id };
  const text = whole ? id : `…${id.slice(-TAIL)}`;
  const label = options.href ? h('a', { ...props, href: options.href }, text) : h('span', props, text);
  return h('span', { class: whole ? 'id-ref whole' : 'id-ref', 'data-id': id }, label, copyButton(id));
}

/** How long the button says the id was copied. */
const SAID_MS = 1_500;

/**
 * The id copied last, and until when its buttons say so. Kept apart from the button because the live feed redraws
 * a row when its order's next event comes: the new row's button must still say "copied".
 * @type {{ id: string, until: number } | undefined}
 */
let lastCopied;

/** @param {string} id */
function copyButton(id) {
  const button = h('button', { type: 'button', class: 'copy', title: 'Copy the whole id', 'aria-label': `Copy ${id}` }, 'copy');
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let said;
  /** @param {number} forMs */
  const sayCopied = (forMs) => {
    button.dataset.state = 'copied';
    button.textContent = 'copied';
    clearTimeout(said);
    said = setTimeout(() => {
      delete button.dataset.state;
      button.textContent = 'copy';
    }, forMs);
  };
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(id);
    } catch {
      // The clipboard API exists only in a secure context (HTTPS, or this machine): behind plain HTTP the browser
      // has none, and the operator gets the id selected in a prompt to copy by hand.
      window.prompt('The whole id, to copy:', id);
      return;
    }
    lastCopied = { id, until: Date.now() + SAID_MS };
    sayCopied(SAID_MS);
  });
  const left = lastCopied?.id === id ? lastCopied.until - Date.now() : 0;
  if (left > 0) sayCopied(left);
  return button;
}
