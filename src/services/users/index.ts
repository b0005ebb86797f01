import type { ServiceModule } from '../../platform/runtime/index.ts';
import { createPasswordChecker } from './passwords.ts';
import { userRoutes } from './routes.ts';
import { ensureOperator, LOGIN_FAILURE_WINDOW_SECONDS } from './use-cases.ts';

export const usersService: ServiceModule = {
  name: 'users',
  description: 'User profiles and identity: registration, login, the keys that sign access tokens. Publishes users.user.created.v1.',
  migrations: new URL('./migrations/', import.meta.url),
  async start({ db, log, identity }) {
    if (!identity) throw new Error('users needs its signing keys (identity settings)');
    if (identity.operator) await ensureOperator(db, identity.operator, log);
    const checkPassword = createPasswordChecker();
    return { routes: (app) => userRoutes(app, { db, issuer: identity.issuer, checkPassword }) };
  },
  handlers: [],
  // Throttling looks 15 minutes back; older failures are noise.
  retention: [{ table: 'login_failures', timestamp: 'failed_at', keepMs: LOGIN_FAILURE_WINDOW_SECONDS * 1000 }],
};
