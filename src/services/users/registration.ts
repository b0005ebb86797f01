/**
 * How a new user is made known to billing (an account) and notifications (an address), in each style: by
 * users.user.created.v1 through the outbox (events, saga; hybrid for notifications), or by internal calls made
 * inside the registration's transaction (http; hybrid for billing), so that a failed call fails the registration.
 * A call made before the registration failed may leave an account or an address for a user that does not exist:
 * the price of a dual write, counted by registrations_orphaned_total (an upper bound: a call that got no answer
 * may or may not have been carried out).
 */
import { UserCreatedV1 } from '../../contracts/events.ts';
import { AppError } from '../../platform/common/index.ts';
import type { Tx } from '../../platform/database/index.ts';
import { type InternalClient, ServiceUnreachable } from '../../platform/http/index.ts';
import { appendToOutbox, type Correlation, newEvent } from '../../platform/messaging/index.ts';
import type { InteractionStyle } from '../../platform/runtime/index.ts';
import type { User } from './contract.ts';

export interface Introduction {
  /** In the registration's transaction, once the user is inserted: what tells the others (an event, calls). */
  introduce(tx: Tx, user: User, correlation: Correlation): Promise<void>;
  /** The registration failed after `introduce`: anything a call made for it now has no user. */
  failed(): void;
}

const unavailable = (service: string) =>
  new AppError({
    status: 503,
    code: 'registration-unavailable',
    title: 'Registration is unavailable',
    detail: `The ${service} service did not answer, so the user was not created; try again shortly.`,
    headers: { 'retry-after': '2' },
  });

export function introductionFor(style: InteractionStyle, deps: { calls: InternalClient; orphaned: { inc(): void } }) {
  const byEvent = style !== 'http';
  const byCall = style === 'http' ? ['billing', 'notifications'] : style === 'hybrid' ? ['billing'] : [];

  return function start(): Introduction {
    let called = 0;
    return {
      async introduce(tx, user, correlation) {
        if (byEvent) appendToOutbox(tx, [newEvent('users', UserCreatedV1, { userId: user.id, email: user.email, name: user.name }, correlation)]);
        for (const service of byCall) {
          // Counted before the answer: a call that timed out may still have made the account (SIGSTOP, then SIGCONT).
          called++;
          await call(deps.calls, service, user, correlation).catch((error: unknown) => {
            if (error instanceof ServiceUnreachable) throw unavailable(service);
            throw error;
          });
        }
      },
      failed() {
        if (called > 0) deps.orphaned.inc();
      },
    };
  };
}

async function call(calls: InternalClient, service: string, user: User, correlation: Correlation): Promise<void> {
  const answer =
    service === 'billing'
      ? await calls.call('billing', { operation: 'billing.open-account', method: 'PUT', path: `/billing/accounts/${user.id}`, correlation })
      : await calls.call('notifications', {
          operation: 'notifications.recipient',
          method: 'PUT',
          path: `/notifications/recipients/${user.id}`,
          body: { email: user.email, name: user.name },
          correlation,
        });
  if (answer.status >= 300) throw new Error(`${service} answered ${answer.status} to the registration of ${user.id}`);
}
