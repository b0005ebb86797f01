import type { ServiceModule } from '../../platform/service.ts';
import { createPasswordChecker } from './passwords.ts';
import { userRoutes } from './routes.ts';
import { ensureOperator } from './use-cases.ts';

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
};
