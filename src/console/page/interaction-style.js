// @ts-check
/**
 * The interaction style the system runs in (INTERACTION_STYLE), as orders' readiness reports it. It decides what an
 * order's process does (only the saga has a payment deadline; the http styles call billing while the client waits),
 * so the header shows it on every page, and the operator reads a process knowing which rules it follows.
 */

/** @type {Promise<string | undefined> | undefined} */
let asked;

/**
 * Asked once per page load: the style changes only when the install is restarted. The readiness route is public and
 * names its settings in a 503 as well, so the style shows while orders' database is down too; a failure to ask at
 * all is not kept, so that the next login asks again.
 * @returns {Promise<string | undefined>} undefined where orders does not say (an older version)
 */
export function interactionStyle() {
  asked ??= fetch('/orders/health/ready', { cache: 'no-store' })
    .then((response) => response.json())
    .then((body) => {
      const style = body?.settings?.INTERACTION_STYLE;
      return typeof style === 'string' ? style : undefined;
    })
    .catch((error) => {
      asked = undefined;
      throw error;
    });
  return asked;
}
