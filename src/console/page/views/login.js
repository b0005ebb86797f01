// @ts-check
import { h, notice, show } from '../dom.js';
import { logIn } from '../session.js';

/**
 * The operator's login (the account of ADMIN_EMAIL and ADMIN_PASSWORD). Nothing else is shown until it succeeds
 * with an admin's account.
 * @param {HTMLElement} root
 * @param {string | undefined} reason why the login is asked for again, if it is
 * @param {() => void} signedIn
 */
export function loginView(root, reason, signedIn) {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, maxlength: 254 });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, maxlength: 128 });
  const message = h('div', { class: 'login-message' }, reason ? notice(reason) : null);
  const submit = h('button', { type: 'submit' }, 'Log in');
  const form = h(
    'form',
    { class: 'login', 'aria-label': 'Log in' },
    h('h1', {}, 'Operators’ console'),
    h('p', {}, 'Log in with the operator account (ADMIN_EMAIL and ADMIN_PASSWORD of the install).'),
    h('label', {}, 'Email', email),
    h('label', {}, 'Password', password),
    submit,
    message,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    show(message, notice('Logging in…'));
    try {
      await logIn(email.value, password.value);
      password.value = '';
      signedIn();
    } catch (error) {
      show(message, notice(error instanceof Error ? error.message : String(error), 'error'));
      submit.disabled = false;
    }
  });
  show(root, form);
  email.focus();
}
