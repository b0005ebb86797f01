import type { ServiceModule } from '../../platform/runtime/index.ts';
import { billingHandlers } from './handlers.ts';
import { billingInternalRoutes } from './internal-routes.ts';
import { billingRoutes } from './routes.ts';

export const billingService: ServiceModule = {
  name: 'billing',
  description: 'Accounts and their ledger. Opens an account per new user, charges payments and gives them back.',
  migrations: new URL('./migrations/', import.meta.url),
  start: ({ db }) => ({ routes: (app) => billingRoutes(app, db), internalRoutes: (app) => billingInternalRoutes(app, db) }),
  handlers: billingHandlers,
};
