// @ts-check
/** How the install is set up, as far as the page shows it (GET /console/settings). */
import { api } from './api.js';

/** @typedef {{ tracing: boolean }} ConsoleSettings */

/** @type {Promise<ConsoleSettings> | undefined} */
let asked;

/**
 * Asked once per page load: the settings change only when the install is restarted. A failure is not kept, so the
 * next view asks again.
 * @returns {Promise<ConsoleSettings>}
 */
export function consoleSettings() {
  asked ??= api('/console/settings').catch((error) => {
    asked = undefined;
    throw error;
  });
  return asked;
}
