import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceModule } from '../../platform/runtime/index.ts';
import { createPasswordChecker } from './passwords.ts';
import { introductionFor } from './registration.ts';
import { userRoutes } from './routes.ts';
import { ensureOperator, LOGIN_FAILURE_WINDOW_SECONDS } from './use-cases.ts';

/** How long the operator's account may wait for billing and notifications to answer when the system starts. */
const OPERATOR_PATIENCE_MS = 60_000;

export const usersService: ServiceModule = {
  name: 'users',
  description: 'User profiles and identity: registration, login, the keys that sign access tokens. Introduces new users to billing and notifications.',
  migrations: new URL('./migrations/', import.meta.url),
  async start({ db, log, identity, style, calls, metrics }) {
    if (!identity) throw new Error('users needs its signing keys (identity settings)');
    const orphaned = metrics.counter('registrations_orphaned_total', 'Registrations that failed after billing or notifications was asked to make an account or an address for them (which may be left without a user)');
    const introductions = introductionFor(style, { calls, orphaned });
    const checkPassword = createPasswordChecker();
    const { operator } = identity;
    return {
      routes: (app) => userRoutes(app, { db, introductions, issuer: identity.issuer, checkPassword }),
      // Once every service listens: in the styles that call them, the operator's account is introduced by calls.
      async whenSystemUp() {
        if (!operator) return;
        const giveUpAt = Date.now() + OPERATOR_PATIENCE_MS;
        for (;;) {
          try {
            return await ensureOperator(db, introductions, operator, log);
          } catch (error) {
            if ((error as { status?: number }).status !== 503 || Date.now() > giveUpAt) throw error;
            log.info('the operator account waits for the services it is introduced to');
            await sleep(1_000);
          }
        }
      },
    };
  },
  handlers: () => [],
  // Throttling looks 15 minutes back; older failures are noise.
  retention: [{ table: 'login_failures', timestamp: 'failed_at', keepMs: LOGIN_FAILURE_WINDOW_SECONDS * 1000 }],
};
